"""Which locale a shopper reads: the `locale` input, then `Accept-Language`, then the channel's.

Each candidate is a language tag (`fr-CH`, `de`, `en_GB`); the first whose language we speak
wins, with its region kept for formatting (de-CH writes `CHF 12.90`, de-DE `12,90 CHF`). The
header's ranges are taken by q-value (RFC 9110), the order they came in breaking ties, `q=0`
and `*` ignored. A tag we cannot parse, or a language we do not speak, is passed over, and
English closes the list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from gateway.api.texts.catalogues import SPOKEN
from promise.errors import InvalidInput

ENGLISH = Locale("en")
# A longer header is cut (it still ranks its first ranges): the cache below keys on it.
MAX_HEADER_CHARS = 256
MAX_RANGES = 16
_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,6}")


def checked_locale(value: str | None, *, field: str) -> str | None:
    """The `locale` input, refused when it is no language tag (an unknown one is allowed)."""
    if value is None:
        return None
    tag = value.strip()
    if not _TAG.fullmatch(tag):
        raise InvalidInput(f"{value!r} is not a language tag such as 'fr-FR' or 'de'", field=field)
    return tag


def ranked(header: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first."""
    weighted = []
    for index, item in enumerate(header.split(",")[:MAX_RANGES]):
        tag, _, parameters = item.partition(";")
        tag = tag.strip()
        if not _TAG.fullmatch(tag):
            continue
        weight = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        if 0.0 < weight <= 1.0:
            weighted.append((-weight, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiated(asked: str | None, header: str, default: str | None) -> Locale:
    """The locale of the first candidate we speak: `asked`, the header's, `default`, English."""
    return _negotiated(asked, header[:MAX_HEADER_CHARS], default)


@lru_cache(maxsize=1024)
def _negotiated(asked: str | None, header: str, default: str | None) -> Locale:
    candidates = [*([asked] if asked else []), *ranked(header), *([default] if default else [])]
    for tag in candidates:
        locale = _spoken(tag)
        if locale is not None:
            return locale
    return ENGLISH


def _spoken(tag: str) -> Locale | None:
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return locale if locale.language in SPOKEN else None
