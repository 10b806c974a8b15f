"""The gettext catalogues of `locales/`, read from their .po files once per process."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
# English is the catalogues' source language: its messages are their own translation.
SPOKEN = ("en", "fr", "de")


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The translations of `language` (one of SPOKEN); English translates to itself.

    The .po file is compiled in memory: no binary catalogue is committed or built, and a
    fuzzy or untranslated entry falls back to the English message.
    """
    if language == "en":
        return gettext.NullTranslations()
    with (LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        messages = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
