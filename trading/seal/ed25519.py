"""Ed25519 for receipts and the platform key's kid (seal.md §3, §8); verification is the
chain spec's strict one (chain.md §2), shared with audit.chain."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.chain import ed25519_public_key_ok, ed25519_verify_strict

# One strict verifier for the whole platform: the chain's (audit.chain, pure like this package).
is_strict_public_key = ed25519_public_key_ok


def verify(pk: bytes, message: bytes, signature: bytes) -> bool:
    return len(pk) == 32 and ed25519_verify_strict(pk, signature, message)


def sign(seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte seed."""
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def kid(key_name: str, pk: bytes) -> str:
    """SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[0:4], hex (seal.md §3, chain.md §5)."""
    return hashlib.sha256(key_name.encode("utf-8") + b"\n\x01" + pk).digest()[:4].hex()
