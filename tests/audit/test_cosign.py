"""Supervisors' cosignatures of checkpoints (chain.md §5), as the cosigning page posts them."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accounts.models import User
from audit import chain, clock, export_format
from audit.cosign import CosignatureInvalid, NoCosignerKey, checkpoint_cosign, cosigner_name
from audit.integrity import export, verify_directory
from audit.models import Checkpoint, Cosignature, Event
from audit.services import checkpoint_issue, event_append
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.experts.factories import Supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint():
    event_append(kind="test.event", actor="system", payload={"n": 1})
    return checkpoint_issue()


def test_cosignature_is_kept_with_the_note_and_recorded(checkpoint):
    supervisor = Supervisor()
    row = supervisor.cosign(checkpoint.size)
    note = chain.parse_note(Checkpoint.objects.get(pk=checkpoint.pk).note)
    assert chain.verify_cosignature(note, cosigner_name(supervisor.user), supervisor.public_key) == row.timestamp
    assert chain.verify_note(note, note.origin, __import__("audit.keys").keys.public_key())
    event = Event.objects.get(kind="checkpoint.cosigned")
    assert event.object == f"checkpoint:{checkpoint.size}" and str(row.timestamp) in event.payload
    assert supervisor.cosign(checkpoint.size) == row  # idempotent per key
    assert Cosignature.objects.count() == 1 and Event.objects.filter(kind="checkpoint.cosigned").count() == 1


def test_export_names_the_cosigner_and_still_verifies(checkpoint, tmp_path):
    supervisor = Supervisor()
    supervisor.cosign(checkpoint.size)
    export(tmp_path)
    cosigners = export_format.read_keys(tmp_path).cosigners
    assert [c.pk for c in cosigners] == [supervisor.public_key]
    assert verify_directory(tmp_path).ok


def test_line_of_another_key_is_refused(checkpoint):
    supervisor = Supervisor()
    note = checkpoint.note
    forged = chain.cosign(note, cosigner_name(supervisor.user), Ed25519PrivateKey.generate(),
                          int(clock.now().timestamp()))[len(note):]
    with pytest.raises(CosignatureInvalid):
        checkpoint_cosign(by=supervisor.user, size=checkpoint.size, line=forged)
    assert not Cosignature.objects.exists()


def test_line_under_another_name_is_refused(checkpoint):
    supervisor, other = Supervisor(), Supervisor()
    line = other.line(checkpoint.size)  # other's name, other's key
    with pytest.raises(CosignatureInvalid):
        checkpoint_cosign(by=supervisor.user, size=checkpoint.size, line=line)


def test_time_far_from_the_platform_clock_is_refused(checkpoint):
    supervisor = Supervisor()
    stale = supervisor.line(checkpoint.size, at=int(clock.now().timestamp()) - 601)
    with pytest.raises(CosignatureInvalid):
        checkpoint_cosign(by=supervisor.user, size=checkpoint.size, line=stale)
    ok = supervisor.line(checkpoint.size, at=int(clock.now().timestamp()) - 590)
    assert checkpoint_cosign(by=supervisor.user, size=checkpoint.size, line=ok)


@pytest.mark.parametrize("role", ["staff", "bidder", "agent", "inspector", "expert"])
def test_only_supervisors_cosign(checkpoint, role):
    with pytest.raises(NotPermitted):
        checkpoint_cosign(by=UserFactory(role=role), size=checkpoint.size, line="— x AAAA")


def test_supervisor_without_a_key_is_told_so(checkpoint):
    with pytest.raises(NoCosignerKey):
        checkpoint_cosign(by=UserFactory(role=User.Role.SUPERVISOR), size=checkpoint.size, line="— x AAAA")
