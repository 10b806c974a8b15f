"""Compiles promise/ with mypyc, each module beside its source: `make compile` runs
`python setup.py build_ext --inplace`. Installing needs none of this (pyproject.toml holds
the project), so mypyc is imported only for that command.

The sourcing search is most of a checkout's CPU, and promise/ is strictly typed and does no
I/O, what mypyc compiles best. Interpreted still: errors.py (exception classes), quotes.py
(classes the tests subclass), __init__.py (tools reading sources, import-linter, find
the package by it) and compiled.py (it decides, before anything compiled is imported, whether
the build may be).
"""

import sys
from pathlib import Path

from setuptools import setup

INTERPRETED = {"__init__.py", "compiled.py", "errors.py", "quotes.py"}

ext_modules = []
if "build_ext" in sys.argv:
    from mypyc.build import mypycify

    compiled = sorted(str(p) for p in Path("promise").glob("*.py") if p.name not in INTERPRETED)
    # The library every module shares goes in the package too: at the top of the checkout it
    # would not be importable from an installed console script.
    ext_modules = mypycify(compiled, opt_level="3", group_name="promise._native")
setup(ext_modules=ext_modules)
