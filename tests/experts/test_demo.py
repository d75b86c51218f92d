"""load_demo's draws: carried to the reveal, one abandoned with its successor, all verifying."""

import pytest
from django.core.management import call_command

from experts.models import Draw, Expert
from experts.record import verify

pytestmark = pytest.mark.django_db


def test_demo_draws_verify(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo")
    assert Expert.objects.count() == 60
    states = {(d.purpose, d.state) for d in Draw.objects.all()}
    assert ("contractor", "revealed") in states and ("expert", "abandoned") in states
    assert ("expert", "revealed") in states or ("expert", "drawn") in states
    abandoned = Draw.objects.get(state="abandoned")
    assert abandoned.abandon_reason == "INSUFFICIENT_CANDIDATES" and abandoned.followed_by.get().state in (
        "drawn", "revealed")
    for draw in Draw.objects.filter(state__in=("drawn", "revealed")):
        assert verify(draw)[0].startswith("OK ")
    assert (tmp_path / "demo-supervisor-cosigner.key.json").exists()


def test_demo_cosigner_reuses_the_demo_key_file(tmp_path, monkeypatch):
    """When the demo's key files exist (accounts.demo_keys), the draws cosign with that key."""
    import sys
    import types

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    from accounts.keys import key_current, key_register
    from experts.demo import DemoCosigner
    from tests.accounts.factories import UserFactory
    from trading.seal.keyfile import make_key_file

    supervisor = UserFactory(role="supervisor", username="supervisor")
    key = Ed25519PrivateKey.generate()
    pk = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_register(by=supervisor, purpose="cosigner", public_key_hex=pk.hex())
    (tmp_path / "supervisor-cosigner.key.json").write_bytes(make_key_file(
        role="cosigner", owner="supervisor", passphrase="sunbid demo key file 2026",
        private_key=key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())))
    fake = types.SimpleNamespace(demo_keys_dir=lambda: tmp_path, DEMO_KEY_PASSPHRASE="sunbid demo key file 2026")
    monkeypatch.setitem(sys.modules, "accounts.demo_keys", fake)
    import accounts
    monkeypatch.setattr(accounts, "demo_keys", fake, raising=False)
    cosigner = DemoCosigner(supervisor, "unused passphrase 2026")
    assert cosigner.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == pk
    assert key_current(owner=supervisor, purpose="cosigner").public_key == pk.hex()  # not replaced
