"""Every fixed string and size of sunbid-seal/1 (seal.md §4, §5), byte for byte."""

from __future__ import annotations

from typing import Literal

VERSION = "sunbid-seal/1"
SUITE = "P256-HKDF-AES256GCM"
RECEIPT_VERSION = "sunbid-receipt/1"
SHARE_VERSION = "sunbid-share/1"
KEY_VERSION = "sunbid-key/1"

CHUNK = 1_048_576
R_SIZE = 32  # r, the salt against price guessing, leads P_0
TAG_SIZE = 16
MAX_HEADER = 65_536
FORM_BLOCK = 4096  # form_size is a positive multiple of this (§3)

Role = Literal["listing", "bidder", "share", "opening", "archive"]
Kind = Literal["form", "docs"]
KINDS: tuple[Kind, ...] = ("form", "docs")

WRAP = b"sunbid-seal/1 wrap:"  # followed by the role
PAYLOAD = b"sunbid-seal/1 payload"
KEY_COMMIT = b"sunbid-seal/1 key-commit"
PT = b"sunbid-seal/1 pt"
CT = b"sunbid-seal/1 ct"
SHARE = b"sunbid-seal/1 share"
HEADER_SIG = b"sunbid-seal/1 header-sig\n"
KB = b"sunbid-seal/1 kb\n"
WITHDRAW = b"sunbid-seal/1 withdraw\n"
RECORD = b"sunbid-seal/1 record\n"
RECEIPT = b"sunbid-receipt/1\n"
