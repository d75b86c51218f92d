"""Key files (seal.md §9): a private key under a passphrase, PBKDF2-SHA256 600000 + AES-GCM.

Every failure to read one is KEY_FILE: wrong passphrase, an edited field (all of them are
the aad), another `iter`, or a key that is not the file's `pk`.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import canonical_json

from . import ed25519, p256
from .errors import SealError
from .fields import exact_keys, failing_as, load_object, text, unhex
from .labels import KEY_VERSION
from .passphrase import check_passphrase

KeyRole = Literal["bidder", "custodian", "cosigner"]
ITERATIONS = 600_000  # readers accept no other count: a weaker file is refused, not opened
_FIELDS = frozenset({"v", "role", "owner", "pk", "kdf", "iter", "salt", "nonce", "ct"})


@dataclass(frozen=True)
class KeyFile:
    role: KeyRole
    owner: str
    pk: bytes
    private_key: bytes  # a P-256 scalar, or a cosigner's Ed25519 seed


def _public(role: str, private_key: bytes) -> bytes:
    if role == "cosigner":
        return ed25519.public_key(private_key)
    return p256.point_bytes(p256.private_key(private_key))


def _kek(passphrase: str, salt: bytes) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", secret, salt, ITERATIONS, 32)


def make_key_file(*, role: KeyRole, owner: str, private_key: bytes, passphrase: str,
                  salt: bytes | None = None, nonce: bytes | None = None) -> bytes:
    """The key file's CJ bytes; a weak passphrase is refused (PASSPHRASE_WEAK).
    `salt` (16 B) and `nonce` (12 B) are fixed only in vectors.
    """
    passphrase = check_passphrase(passphrase)
    text(owner, "owner")
    if role not in ("bidder", "custodian", "cosigner") or len(private_key) != 32:
        raise ValueError("role is bidder, custodian or cosigner; the key is 32 bytes")
    salt = os.urandom(16) if salt is None else salt
    nonce = os.urandom(12) if nonce is None else nonce
    if len(salt) != 16 or len(nonce) != 12:
        raise ValueError("salt is 16 bytes, nonce 12")
    unsealed = canonical_json.normalize({
        "v": KEY_VERSION, "role": role, "owner": owner, "pk": _public(role, private_key).hex(),
        "kdf": "pbkdf2-sha256", "iter": ITERATIONS, "salt": salt.hex(), "nonce": nonce.hex()})
    ct = AESGCM(_kek(passphrase, salt)).encrypt(nonce, private_key,
                                                canonical_json.dumps(unsealed))
    return canonical_json.dumps({**unsealed, "ct": ct.hex()})


def read_key_file(key_file: bytes | Mapping[str, Any], passphrase: str, *,
                  role: KeyRole | None = None) -> KeyFile:
    """The private key, checked against the file's pk; any failure is KEY_FILE."""
    with failing_as("KEY_FILE"):
        raw = load_object(key_file, "key file") if isinstance(key_file, bytes) else key_file
        value = exact_keys(raw, _FIELDS, "key file")
        if value["v"] != KEY_VERSION or value["kdf"] != "pbkdf2-sha256":
            raise ValueError("not a sunbid-key/1 file with pbkdf2-sha256")
        if type(value["iter"]) is not int or value["iter"] != ITERATIONS:
            raise ValueError(f"iter is not {ITERATIONS}")
        if value["role"] not in ("bidder", "custodian", "cosigner"):
            raise ValueError("role is not bidder, custodian or cosigner")
        if role is not None and value["role"] != role:
            raise ValueError(f"a {value['role']} key file, not a {role} one")
        pk = unhex(value["pk"], 32 if value["role"] == "cosigner" else 65, "pk")
        salt, nonce = unhex(value["salt"], 16, "salt"), unhex(value["nonce"], 12, "nonce")
        ct = unhex(value["ct"], 48, "ct")
        owner = text(value["owner"], "owner")
        aad = canonical_json.dumps({name: item for name, item in value.items() if name != "ct"})
    try:
        private_key = AESGCM(_kek(passphrase, salt)).decrypt(nonce, ct, aad)
    except InvalidTag:
        raise SealError("KEY_FILE", "wrong passphrase, or the file was edited") from None
    with failing_as("KEY_FILE"):
        if _public(value["role"], private_key) != pk:
            raise ValueError("the key is not the file's pk")
    return KeyFile(cast(KeyRole, value["role"]), owner, pk, private_key)
