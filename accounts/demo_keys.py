"""The demo's personal keys: made for each demo login as its browser would make them, the
public half registered and the key file (sealed with the demo passphrase) written under
var/demo-keys/, so anyone trying the demo can bid, hold a share and cosign at once.
Demo only: a real key is made in its owner's browser and never touches the server."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.conf import settings

from accounts.keys import ALLOWED, key_register
from accounts.models import PublicKey, User
from trading import seal

DEMO_KEY_PASSPHRASE = "sunbid demo key file 2026"


# The demo bidders' private keys, kept in this process only while the demo is built, so the
# demo can seal their bids as their browsers would have.
_BUILDING: dict[tuple[int, str], bytes] = {}


def demo_private_key(user: User, purpose: str) -> bytes | None:
    return _BUILDING.get((user.pk, purpose))


def demo_keys_dir() -> Path:
    return settings.VAR_DIR / "demo-keys"


def _pair(purpose: str) -> tuple[bytes, bytes]:
    if purpose == PublicKey.Purpose.COSIGNER:
        key = Ed25519PrivateKey.generate()
        return (key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
                key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    return seal.new_key_pair()


def make_demo_keys(users: list[User]) -> list[Path]:
    folder = demo_keys_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for user in users:
        for purpose in sorted(ALLOWED.get(user.role, set())):
            sk, pk = _pair(purpose)
            key_register(by=user, purpose=purpose, public_key_hex=pk.hex())
            # An archive key is a P-256 scalar like a custodian's (seal.md §9 key-file roles).
            role = "custodian" if purpose == PublicKey.Purpose.ARCHIVE else purpose
            path = folder / f"{user.username}-{purpose}.key.json"
            path.write_bytes(seal.make_key_file(role=role, owner=user.username, private_key=sk,
                                                passphrase=DEMO_KEY_PASSPHRASE))
            written.append(path)
            _BUILDING[(user.pk, purpose)] = sk
    return written
