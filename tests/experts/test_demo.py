"""load_demo's draws: carried to the reveal, one abandoned with its successor, all verifying."""

import pytest
from django.core.management import call_command

from audit.models import Cosignature
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


def test_demo_draws_are_cosigned_with_the_demo_supervisors_key_file(settings, tmp_path):
    from accounts.demo_keys import DEMO_KEY_PASSPHRASE
    from accounts.keys import key_current
    from accounts.models import User
    from trading.seal import read_key_file

    settings.VAR_DIR = tmp_path
    call_command("load_demo")
    supervisor = User.objects.get(username="supervisor")
    opened = read_key_file((tmp_path / "demo-keys" / "supervisor-cosigner.key.json").read_bytes(),
                           DEMO_KEY_PASSPHRASE, role="cosigner")
    assert opened.pk.hex() == key_current(owner=supervisor, purpose="cosigner").public_key
    assert Cosignature.objects.filter(cosigner=supervisor).exists()
