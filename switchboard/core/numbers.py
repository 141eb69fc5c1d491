"""Telephone number normalisation shared by the config loader and the router."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9][0-9]{5,14}$")
_DIAL_CHARS = re.compile(r"[\s\-().]")


def is_e164(number: str) -> bool:
    """True when `number` is written in E.164 (`+` and 6-15 digits)."""
    return bool(_E164.match(number))


def normalize(number: str, country_code: str) -> str:
    """Return `number` as E.164 where it can be read as one, else its digits (or '' if none).

    Trunks deliver the same number as `+4638397000`, `004638397000`, `4638397000`
    or the national `038397000`; all of these become `+4638397000` for country 46.
    """
    raw = _DIAL_CHARS.sub("", number)
    if raw.startswith("+"):
        digits = raw[1:]
    elif raw.startswith("00"):
        digits = raw[2:]
    elif raw.startswith("0"):
        digits = country_code + raw[1:]
    else:
        digits = raw
    if not digits.isdigit() or not digits.isascii():
        return ""
    return "+" + digits
