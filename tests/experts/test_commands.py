"""export_draw, verify_draw and the standalone verifier on the platform's own export."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

import canonical_json
from accounts.models import User
from audit import keys
from experts import calls, services
from experts.models import Pick
from tests.accounts.factories import UserFactory
from tests.experts.factories import expert, lot_with_supervisor

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def draws():
    staff = UserFactory(role=User.Role.STAFF)
    lot, supervisor = lot_with_supervisor()
    for _ in range(7):
        expert(user=UserFactory(role=User.Role.EXPERT))
    first = services.draw_create(by=staff, request=services.DrawRequest(
        lot=lot, purpose="expert", k=9, m=1, specialties=["A0801"]))
    first = services.draw_freeze(draw=first, by=staff)  # abandoned: 7 candidates for 9
    draw = services.draw_create(by=staff, request=services.DrawRequest(
        lot=lot, purpose="expert", k=3, m=2, specialties=["A0801"], follows=first))
    draw = services.draw_freeze(draw=draw, by=staff)
    supervisor.cosign(draw.checkpoint_size)
    draw = services.draw_witness_and_run(draw=draw, by=supervisor.user, witness="31415926")
    p = Pick.objects.select_related("expert__user").get(draw=draw, position=1)
    calls.call_reply(pick=p, by=p.expert.user, answer="decline")
    return first, draw, supervisor


def cli(*args):
    return subprocess.run([sys.executable, "-m", "experts.draw", "verify", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_export_all_verifies_offline_and_lists_the_abandoned_draw(draws, tmp_path):
    first, draw, supervisor = draws
    call_command("export_draw", "--all", str(tmp_path))
    record = tmp_path / f"{draw.draw_id}.json"
    assert not (tmp_path / f"{first.draw_id}.json").exists()  # no result, no record
    out = cli(record, "--audit", tmp_path / "audit", "--trusted-pk", keys.public_key().hex())
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "OK " + " ".join(draw.drawn)
    assert lines[1] == f"DRAW {first.draw_id} abandoned"


@pytest.mark.parametrize("field,value,code", [
    ("witness", "31415927", "EVENT_MISMATCH"),
    ("secret", "00" * 32, "COMMIT_MISMATCH"),
    ("anchor", "11" * 32, "ANCHOR_MISMATCH"),
])
def test_changed_record_fails_with_the_spec_code(draws, tmp_path, field, value, code):
    _, draw, _ = draws
    call_command("export_draw", "--all", str(tmp_path))
    path = tmp_path / f"{draw.draw_id}.json"
    record = json.loads(path.read_text())
    record[field] = value
    path.write_bytes(canonical_json.dumps(record))
    out = cli(path, "--audit", tmp_path / "audit", "--trusted-pk", keys.public_key().hex())
    assert out.returncode == 1 and out.stdout.strip() == f"ERROR {code}"


def test_changed_candidates_fail_offline_without_the_chain(draws, tmp_path):
    _, draw, _ = draws
    out_file = tmp_path / "one.json"
    call_command("export_draw", draw.draw_id, str(out_file))
    record = json.loads(out_file.read_text())
    assert cli(out_file).stdout.startswith("OK ")
    record["candidates"] = record["candidates"][1:]
    out_file.write_bytes(canonical_json.dumps(record))
    out = cli(out_file)
    assert out.returncode == 1 and out.stdout.strip() == "ERROR CANDIDATES_MISMATCH"


def test_verify_draw_command(draws, capsys):
    first, draw, _ = draws
    call_command("verify_draw", draw.draw_id)
    assert capsys.readouterr().out.startswith("OK " + " ".join(draw.drawn))
    with pytest.raises(SystemExit):
        call_command("verify_draw", first.draw_id)
    assert "ERROR ABANDONED INSUFFICIENT_CANDIDATES" in capsys.readouterr().out

