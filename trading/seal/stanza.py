"""Stanzas (seal.md §5): a 32-byte value wrapped to one P-256 key, bound to a role and an aad."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import p256
from .errors import Code, SealError
from .fields import exact_keys, unhex
from .labels import WRAP, Role

_ZERO_NONCE = bytes(12)  # w is fresh per stanza (fresh e), so one fixed nonce is safe
_FIELDS = frozenset({"pk", "epk", "wk"})


@dataclass(frozen=True)
class Stanza:
    pk: bytes   # recipient key R
    epk: bytes  # ephemeral key E
    wk: bytes   # wrapped value, 32 + 16 bytes

    def as_json(self) -> dict[str, str]:
        return {"pk": self.pk.hex(), "epk": self.epk.hex(), "wk": self.wk.hex()}


def parse_stanza(value: object, what: str = "stanza") -> Stanza:
    """Exactly {"pk", "epk", "wk"} with points on the curve; ValueError otherwise."""
    obj = exact_keys(value, _FIELDS, what)
    stanza = Stanza(unhex(obj["pk"], 65, f"{what}.pk"), unhex(obj["epk"], 65, f"{what}.epk"),
                    unhex(obj["wk"], 48, f"{what}.wk"))
    p256.public_key(stanza.pk)
    p256.public_key(stanza.epk)
    return stanza


def wrap_key(z: bytes, epk: bytes, pk: bytes, role: Role) -> bytes:
    """w = HKDF(ikm = Z, salt = E ‖ R, info = "sunbid-seal/1 wrap:" ‖ role)."""
    return HKDF(hashes.SHA256(), 32, epk + pk, WRAP + role.encode("ascii")).derive(z)


def make_stanza(value: bytes, recipient_pk: bytes, *, role: Role, aad: bytes,
                ephemeral_sk: bytes | None = None) -> Stanza:
    """stanza(F, R, role, aad); `ephemeral_sk` fixes e (vectors only), else it is fresh."""
    if len(value) != 32:
        raise ValueError("a stanza wraps a 32-byte value")
    recipient = p256.public_key(recipient_pk)
    e = p256.private_key(ephemeral_sk) if ephemeral_sk is not None else p256.generate()
    epk = p256.point_bytes(e)
    w = wrap_key(p256.ecdh(e, recipient), epk, recipient_pk, role)
    return Stanza(recipient_pk, epk, AESGCM(w).encrypt(_ZERO_NONCE, value, aad))


def _unwrap(stanza: Stanza, w: bytes, aad: bytes, code: Code) -> bytes:
    try:
        return AESGCM(w).decrypt(_ZERO_NONCE, stanza.wk, aad)
    except InvalidTag:
        raise SealError(code, "the stanza does not open (wrong key, role or aad)") from None


def unwrap_stanza(stanza: Stanza | Mapping[str, Any], recipient_sk: bytes, *, role: Role,
                  aad: bytes, code: Code) -> bytes:
    """The wrapped value, or SealError(`code`): each caller names its own failure (§7)."""
    try:
        if not isinstance(stanza, Stanza):
            stanza = parse_stanza(stanza)
        key = p256.private_key(recipient_sk)
    except ValueError as e:
        raise SealError(code, str(e)) from None
    if p256.point_bytes(key) != stanza.pk:
        raise SealError(code, "the stanza is wrapped to another key")
    z = p256.ecdh(key, p256.public_key(stanza.epk))
    return _unwrap(stanza, wrap_key(z, stanza.epk, stanza.pk, role), aad, code)


def unwrap_with_ephemeral(stanza: Stanza, ephemeral_sk: bytes, *, role: Role, aad: bytes,
                          code: Code) -> bytes:
    """The sealer's self-check (§6 step 3): reopen a stanza from its kept ephemeral scalar."""
    e = p256.private_key(ephemeral_sk)
    if p256.point_bytes(e) != stanza.epk:
        raise SealError(code, "the stanza was not made with this ephemeral key")
    z = p256.ecdh(e, p256.public_key(stanza.pk))
    return _unwrap(stanza, wrap_key(z, stanza.epk, stanza.pk, role), aad, code)
