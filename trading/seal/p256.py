"""P-256 as seal.md §2 fixes it: 65-byte points, 32-byte scalars, X-coordinate ECDH, r‖s ECDSA.

Low level: failures raise ValueError (or return False for signatures); callers pick the code.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_CURVE = ec.SECP256R1()
# RFC 6979 nonces: the vectors' signatures are exact, and no CSPRNG failure can leak a key.
_ECDSA = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)

PrivateKey = ec.EllipticCurvePrivateKey
PublicKey = ec.EllipticCurvePublicKey


def public_key(pk: bytes) -> PublicKey:
    """Parse `04‖X‖Y`, refusing anything off the curve."""
    if len(pk) != 65 or pk[0] != 4:
        raise ValueError("a P-256 public key is 65 bytes 04‖X‖Y")
    return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, pk)


def private_key(sk: bytes) -> PrivateKey:
    """A 32-byte big-endian scalar, 0 < d < n."""
    d = int.from_bytes(sk, "big")
    if len(sk) != 32 or not 0 < d < ORDER:
        raise ValueError("a P-256 private key is a 32-byte scalar in 1..n−1")
    return ec.derive_private_key(d, _CURVE)


def generate() -> PrivateKey:
    return ec.generate_private_key(_CURVE)


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh (sk, pk): a listing key at publication, the opening worker's one-time key."""
    key = generate()
    return scalar_bytes(key), point_bytes(key)


def public_of(sk: bytes) -> bytes | None:
    """d·G of a 32-byte scalar, or None when it is not one in 1..n−1."""
    try:
        return point_bytes(private_key(sk))
    except ValueError:
        return None


def scalar_bytes(key: PrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(32, "big")


def point_bytes(key: PrivateKey | PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.UncompressedPoint)


def ecdh(key: PrivateKey, peer: PublicKey) -> bytes:
    """Z, the shared point's X coordinate (WebCrypto's deriveBits(…, 256))."""
    return key.exchange(ec.ECDH(), peer)


def sign(key: PrivateKey, message: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(message, _ECDSA))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(pk: bytes, message: bytes, signature: bytes) -> bool:
    """Check a 64-byte r‖s signature; a malformed key or signature is simply not valid."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < ORDER and 0 < s < ORDER):
        return False
    try:
        public_key(pk).verify(encode_dss_signature(r, s), message, _ECDSA)
    except (ValueError, InvalidSignature):
        return False
    return True
