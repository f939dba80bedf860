"""The UIT (unique transport identifier, *codul UIT*) and its check digits — rule BR-019.

A UIT has 16 characters: 14 from ``0-9`` and the capital letters except ``B G I O S Z`` (they look like
``8 6 1 0 5 2``), then two check digits: the last two digits of the sum of the character codes of the
first fourteen (schematron v2.0.2, ``UIT-SUM``/``UIT-CHECK``; the XSD's comment on ``UitType`` says the
same). E.g. ``3V0P0L0P0T3JUW46``: the codes add up to 946 → ``46``.

``verify_uit`` follows the official XPath literally (``matches(substring(uit, 15), $UIT-CHECK)``):
characters beyond the 16th, a short UIT (the sum is then ``NaN``) or an empty one fail it.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ACDEFHJKLMNPQRTUVWXY"
UIT_RE = re.compile(r"[0-9ACDEFHJKLMNPQRTUVWXY]{14}[0-9]{2}")  # BR-003 / XSD UitType (unanchored)


def check_digits(first14: str) -> str:
    """The two check digits of a UIT body (the last two digits of the sum of its code points)."""
    if len(first14) < 14:
        raise ValueError("a UIT body has 14 characters")
    return str(sum(ord(c) for c in first14[:14]))[-2:]


def verify_uit(uit: str) -> bool:
    """BR-019: the last two characters are the check digits of the first fourteen."""
    if len(uit) < 14:
        return False  # the official sum is NaN: never matches
    try:
        return check_digits(uit) in uit[14:]
    except ValueError:
        return False


def is_valid_uit(uit: str) -> bool:
    """Well-formed (BR-003: 16 characters of the UIT alphabet) and check digits right (BR-019)."""
    return len(uit) == 16 and UIT_RE.fullmatch(uit) is not None and verify_uit(uit)


def new_uit() -> str:
    """A random well-formed UIT (the fake server's; ANAF issues the real ones)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(14))
    return body + check_digits(body)
