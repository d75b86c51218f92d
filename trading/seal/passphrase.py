"""The key-file creator's passphrase policy (seal.md §9).

Refused: under 12 characters, on the common-password list, or (the spec's SHOULD) under an
estimated 60 bits. The estimate is deliberately crude: characters that repeat or continue
a run (aaaa, abcd, 4321) count for nothing, the rest for log2 of the character classes used.
"""

from __future__ import annotations

import math
import unicodedata
from functools import cache
from importlib import resources

from .errors import SealError

MIN_LENGTH = 12
MIN_BITS = 60
# Pool sizes per class; any non-ASCII character (CJK, mostly) counts as one of thousands.
_CLASSES = ((str.islower, 26), (str.isupper, 26), (str.isdigit, 10), (str.isspace, 1))
_OTHER_ASCII, _NON_ASCII = 33, 3000


@cache
def common_passwords() -> frozenset[str]:
    listing = resources.files(__package__).joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(_simplified(line) for line in listing.splitlines() if line.strip())


def _simplified(passphrase: str) -> str:
    """Case, width and spacing do not make a listed password new."""
    return "".join(unicodedata.normalize("NFKC", passphrase).casefold().split())


def estimated_bits(passphrase: str) -> float:
    pool = 0
    for test, size in _CLASSES:
        if any(test(ch) and ch.isascii() for ch in passphrase):
            pool += size
    if any(ch.isascii() and not ch.isalnum() and not ch.isspace() for ch in passphrase):
        pool += _OTHER_ASCII
    if any(not ch.isascii() for ch in passphrase):
        pool += _NON_ASCII
    counted = sum(1 for before, ch in zip(" " + passphrase, passphrase, strict=False)
                  if abs(ord(ch) - ord(before)) > 1)
    return counted * math.log2(pool) if pool > 1 else 0.0


def check_passphrase(passphrase: str) -> str:
    """The NFC passphrase, or SealError PASSPHRASE_WEAK saying why it is refused."""
    passphrase = unicodedata.normalize("NFC", passphrase)
    if len(passphrase) < MIN_LENGTH:
        raise SealError("PASSPHRASE_WEAK", f"under {MIN_LENGTH} characters")
    if _simplified(passphrase) in common_passwords():
        raise SealError("PASSPHRASE_WEAK", "on the common-password list")
    if estimated_bits(passphrase) < MIN_BITS:
        raise SealError("PASSPHRASE_WEAK", f"estimated under {MIN_BITS} bits")
    return passphrase
