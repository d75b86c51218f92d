"""export_audit → python -m audit.verify, and tampering caught with the spec's code and seq."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit import keys
from audit.services import checkpoint_issue, event_append
from tests.conftest import requires_postgresql

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run_verifier(directory: Path, *extra: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "audit.verify", str(directory), *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout.strip()


@pytest.fixture
def exported(tmp_path):
    for i in range(6):
        event_append(kind="test.event", actor="user:1", object=f"listing:ZB-{i}", payload={"i": i, "名": "阳光"})
        if i == 3:
            checkpoint_issue()
    checkpoint_issue()
    call_command("export_audit", str(tmp_path))
    return tmp_path


def pk_hex() -> str:
    return keys.public_key().hex()


def test_export_verifies_with_the_trusted_key(exported):
    assert run_verifier(exported, "--trusted-pk", pk_hex()) == (0, "OK size=6")


def test_a_changed_payload_byte_is_named(exported):
    rows = (exported / "audit.jsonl").read_bytes().split(b"\n")
    rows[2] = rows[2].replace(b'"i":2', b'"i":7')
    (exported / "audit.jsonl").write_bytes(b"\n".join(rows))
    assert run_verifier(exported, "--trusted-pk", pk_hex()) == (1, "ERROR LEAF_MISMATCH seq=3")


def test_a_removed_row_is_named(exported):
    rows = (exported / "audit.jsonl").read_bytes().split(b"\n")
    del rows[4]
    (exported / "audit.jsonl").write_bytes(b"\n".join(rows))
    assert run_verifier(exported, "--trusted-pk", pk_hex()) == (1, "ERROR SEQ_GAP seq=5")


def test_two_swapped_rows_are_named(exported):
    rows = (exported / "audit.jsonl").read_bytes().split(b"\n")
    rows[1], rows[2] = rows[2], rows[1]
    (exported / "audit.jsonl").write_bytes(b"\n".join(rows))
    assert run_verifier(exported, "--trusted-pk", pk_hex()) == (1, "ERROR SEQ_GAP seq=2")


def test_a_changed_checkpoint_line_is_named(exported):
    note = next((exported / "checkpoints").glob("4-*.note"))
    lines = note.read_text().split("\n")
    lines[1] = "5"
    note.write_text("\n".join(lines))
    code, out = run_verifier(exported, "--trusted-pk", pk_hex())
    assert code == 1 and out.startswith("ERROR CHECKPOINT_")


def test_a_checkpoint_forged_with_another_key_is_refused(exported):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from audit import chain

    note_path = next((exported / "checkpoints").glob("6-*.note"))
    text = chain.parse_note(note_path.read_text()).text
    note_path.write_text(chain.sign_note(text, keys.origin(), Ed25519PrivateKey.generate()))
    assert run_verifier(exported, "--trusted-pk", pk_hex()) == (1, "ERROR CHECKPOINT_SIGNATURE seq=6")


def test_verify_audit_reports_ok_on_an_intact_record(capsys):
    event_append(kind="test.event", actor="system", payload={})
    checkpoint_issue()
    call_command("verify_audit")
    assert "OK size=1" in capsys.readouterr().out


@requires_postgresql()
def test_an_owner_bypassing_the_trigger_is_caught_by_verify_audit():
    for i in range(4):
        event_append(kind="test.event", actor="system", payload={"i": i})
    checkpoint_issue()
    with connection.cursor() as cursor:
        # The database owner can switch the trigger off; the chain still gives the edit away.
        cursor.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        cursor.execute("""UPDATE audit_event SET payload = '{"i":9}' WHERE seq = 2""")
        cursor.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    with pytest.raises(CommandError, match="LEAF_MISMATCH seq=2"):
        call_command("verify_audit")
