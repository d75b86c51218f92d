"""Key files and the passphrase policy (seal.md §9). PBKDF2 runs 600000 rounds, so few
files are made: one per module, reused."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import canonical_json
from trading.seal import (
    SealError,
    check_passphrase,
    ed25519,
    keyfile,
    make_key_file,
    new_key_pair,
    read_key_file,
)
from trading.seal.passphrase import common_passwords

PASSPHRASE = "caf\u00e9 horse 电池 staple"  # a composed é
SK, PK = new_key_pair()


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(SealError) as caught:
        call(*args, **kwargs)
    return caught.value.code


@pytest.fixture(scope="module")
def key_file() -> bytes:
    return make_key_file(role="custodian", owner="staff:31", private_key=SK, passphrase=PASSPHRASE)


def test_round_trip_with_nfc_passphrase(key_file: bytes) -> None:
    value = canonical_json.loads(key_file)
    assert (value["iter"], value["kdf"], value["role"], value["pk"]) == (
        600000, "pbkdf2-sha256", "custodian", PK.hex())
    # The passphrase is NFC-normalised: a decomposed é opens what a composed é locked.
    decomposed = unicodedata.normalize("NFD", PASSPHRASE)
    assert decomposed != PASSPHRASE
    opened = read_key_file(key_file, decomposed, role="custodian")
    assert (opened.private_key, opened.pk, opened.owner) == (SK, PK, "staff:31")


def test_wrong_passphrase(key_file: bytes) -> None:
    assert code_of(read_key_file, key_file, PASSPHRASE + " ") == "KEY_FILE"


def test_edited_file(key_file: bytes) -> None:
    value = canonical_json.loads(key_file)
    assert code_of(read_key_file, {**value, "owner": "staff:32"}, PASSPHRASE) == "KEY_FILE"


@pytest.mark.parametrize("edit", [
    {"iter": 100000}, {"iter": 600001}, {"kdf": "scrypt"}, {"v": "sunbid-key/2"},
    {"role": "bidder"}, {"role": "admin"}, {"salt": "00"}, {"ct": "00" * 47}, {"pk": "04"},
])
def test_refused_before_any_key_derivation(key_file: bytes, edit: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def derivation(passphrase: str, salt: bytes) -> bytes:
        raise AssertionError("the file should be refused before PBKDF2")

    monkeypatch.setattr(keyfile, "_kek", derivation)
    value = {**canonical_json.loads(key_file), **edit}
    # role="custodian" makes {"role": "bidder"} a refusal too
    assert code_of(read_key_file, value, PASSPHRASE, role="custodian") == "KEY_FILE"


def test_key_not_matching_pk_is_refused() -> None:
    """A file that decrypts, but to a key that is not its pk (S5's kek, so no PBKDF2 here)."""
    kek = bytes.fromhex("aebf4ce1419e11b87f75d47e962d2ddd05e2fd8e732c951210357ec0a89ae6b9")
    salt, nonce = bytes(range(0xC0, 0xD0)), bytes(12)
    d_bidder = hashlib.sha256(b"sunbid test bidder key").digest()
    unsealed = {"v": "sunbid-key/1", "role": "bidder", "owner": "ORG-000123", "pk": PK.hex(),
                "kdf": "pbkdf2-sha256", "iter": 600000, "salt": salt.hex(), "nonce": nonce.hex()}
    ct = AESGCM(kek).encrypt(nonce, d_bidder, canonical_json.dumps(unsealed))
    crafted = canonical_json.dumps({**unsealed, "ct": ct.hex()})
    assert code_of(read_key_file, crafted, "correct horse 电池 staple") == "KEY_FILE"


def test_cosigner_file_holds_an_ed25519_seed() -> None:
    seed = os.urandom(32)
    made = make_key_file(role="cosigner", owner="supervisor:JD-02", private_key=seed,
                         passphrase="a long supervisor passphrase")
    assert canonical_json.loads(made)["pk"] == ed25519.public_key(seed).hex()
    assert read_key_file(made, "a long supervisor passphrase").private_key == seed


def test_not_canonical_json_is_refused(key_file: bytes) -> None:
    assert code_of(read_key_file, key_file + b" ", PASSPHRASE) == "KEY_FILE"


@pytest.mark.parametrize("weak", [
    "short", "elevenchars",                     # under 12 characters
    "password1234", "Password 1234", "1qaz2wsx3edc", "ＰＡＳＳＷＯＲＤ１２３４",  # listed
    "aaaaaaaaaaaaaaaa", "abcdefghijklmnopqrst", "qwertzuiopas",  # under 60 bits
])
def test_weak_passphrases_are_refused(weak: str) -> None:
    assert code_of(check_passphrase, weak) == "PASSPHRASE_WEAK"
    assert code_of(make_key_file, role="bidder", owner="o", private_key=SK,
                   passphrase=weak) == "PASSPHRASE_WEAK"


@pytest.mark.parametrize("good", [PASSPHRASE, "Tr0ub4dor&3xyz!", "这是一个很长的中文密码短语",
                                  "horse battery staple"])
def test_good_passphrases_pass(good: str) -> None:
    assert check_passphrase(good)


def test_common_list_is_shipped_and_long_enough_to_matter() -> None:
    listed = common_passwords()
    assert len(listed) >= 80 and "password1234" in listed
    assert any(len(p) >= 12 for p in listed)
