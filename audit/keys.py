"""The platform's Ed25519 key: it signs checkpoints (chain.md §5) and receipts (seal.md §8).

Production takes the seed from SUNBID_PLATFORM_KEY; the embedded default makes one once
and keeps it in var/ so a second `./run demo` signs with the same key.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from audit import chain


def origin() -> str:
    """The audit origin, which is also the platform key's name."""
    return f"sunbid:{settings.SUNBID_CENTER_ID}/audit"


def _seed_from_file() -> bytes:
    path = settings.SUNBID_PLATFORM_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    seed = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as f:
        f.write(seed.hex())
    return seed


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    seed_hex = settings.SUNBID_PLATFORM_KEY
    seed = bytes.fromhex(seed_hex) if seed_hex else _seed_from_file()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> bytes:
    return private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def kid() -> bytes:
    return chain.key_id(origin(), public_key(), 0x01)


def seed() -> bytes:
    """The private seed, for signing receipts (seal.md §8) in this process only."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return private_key().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def fingerprint() -> str:
    """fp of the platform key (seal.md §2), as the notice declares it."""
    import hashlib

    return hashlib.sha256(public_key()).hexdigest()
