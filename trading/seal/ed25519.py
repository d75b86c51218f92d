"""Strict Ed25519 (chain.md §2), for receipts and the platform key's kid (seal.md §3, §8).

OpenSSL verifies with the cofactorless equation and refuses S ≥ L; it does not refuse a
small- or mixed-order public key, nor promise to refuse a non-canonical R, so those checks
are done here on the encodings, by plain integer arithmetic.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)
_IDENTITY: _Point = (0, 1, 1, 0)


def _decode(encoded: bytes) -> _Point | None:
    """RFC 8032 §5.1.3 decoding, refusing non-canonical encodings."""
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    sign = encoded[31] >> 7
    if y >= _P:
        return None
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if (v * x * x - u) % _P:
        x = x * _SQRT_M1 % _P
        if (v * x * x - u) % _P:
            return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


def _add(a: _Point, b: _Point) -> _Point:
    """RFC 8032 §5.1.4 addition; the formula is complete, so it doubles as well."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p_, q = (y1 - x1) * (y2 - x2) % _P, (y1 + x1) * (y2 + x2) % _P
    r, s = 2 * t1 * t2 * _D % _P, 2 * z1 * z2 % _P
    e, f, g, h = q - p_, s - r, s + r, q + p_
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(n: int, point: _Point) -> _Point:
    result = _IDENTITY
    while n:
        if n & 1:
            result = _add(result, point)
        point = _add(point, point)
        n >>= 1
    return result


def _is_identity(point: _Point) -> bool:
    x, y, z, _ = point
    return x % _P == 0 and (y - z) % _P == 0


@lru_cache(maxsize=64)
def is_strict_public_key(pk: bytes) -> bool:
    """Canonical encoding of a point of prime order L (not the identity, no torsion part)."""
    if len(pk) != 32:
        return False
    point = _decode(pk)
    return point is not None and not _is_identity(point) and _is_identity(_multiply(_L, point))


def _canonical_r(r: bytes) -> bool:
    y = int.from_bytes(r, "little") & ((1 << 255) - 1)
    # x = 0 exactly when y = ±1; its sign bit must then be 0.
    return y < _P and not (r[31] >> 7 and y in (1, _P - 1))


def verify(pk: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != 64 or not is_strict_public_key(pk) or not _canonical_r(signature[:32]):
        return False
    if int.from_bytes(signature[32:], "little") >= _L:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def sign(seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte seed."""
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def kid(key_name: str, pk: bytes) -> str:
    """SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[0:4], hex (seal.md §3, chain.md §5)."""
    return hashlib.sha256(key_name.encode("utf-8") + b"\n\x01" + pk).digest()[:4].hex()
