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
