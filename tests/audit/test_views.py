from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from audit import chain, clock
from audit.models import ChainCheck, Event
from audit.services import checkpoint_issue, event_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    for i in range(5):
        event_append(kind="test.event", actor="system", object=f"listing:L{i}", payload={"i": i})
    first = checkpoint_issue()
    for i in range(3):
        event_append(kind="test.more", actor="system", payload={"i": i})
    return first, checkpoint_issue()


def test_inclusion_proof_served_for_any_event_and_checkpoint(client, record):
    _, latest = record
    for seq in range(1, latest.size + 1):
        proof = client.get(reverse("audit:proof_inclusion"), {"seq": seq, "size": latest.size}).json()
        assert chain.verify_inclusion(bytes.fromhex(proof["leaf"]), seq - 1, latest.size,
                                      [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(latest.root))


def test_consistency_proof_served_between_two_checkpoints(client, record):
    first, latest = record
    proof = client.get(reverse("audit:proof_consistency"), {"old": first.size, "new": latest.size}).json()
    assert chain.verify_consistency(first.size, latest.size, bytes.fromhex(first.root), bytes.fromhex(latest.root),
                                    [bytes.fromhex(h) for h in proof["proof"]])


@pytest.mark.parametrize("params", [{"seq": "x", "size": "5"}, {"seq": "9", "size": "5"}, {"seq": "1", "size": "4"}])
def test_bad_proof_requests_get_a_clear_400(client, record, params):
    response = client.get(reverse("audit:proof_inclusion"), params)
    assert response.status_code == 400 and "checkpoint" in response.content.decode()


def test_checkpoints_are_public_notes(client, record):
    _, latest = record
    note = client.get(reverse("audit:checkpoint_latest")).content.decode()
    assert chain.parse_note(note).size == latest.size
    assert client.get(reverse("audit:checkpoint", args=[latest.size])).content.decode() == note


@pytest.mark.parametrize("role", [r.value for r in User.Role])
def test_only_inspectors_run_the_chain_check(client, make_user, role, record):
    client.force_login(make_user(role))
    response = client.post(reverse("audit:verify"))
    if role == "inspector":
        assert response.status_code == 302 and ChainCheck.objects.get().ok
        assert Event.objects.filter(kind="audit.verified").exists()
    else:
        assert response.status_code == 403 and not ChainCheck.objects.exists()


def test_audit_browser_filters_and_shows_the_check(client, inspector, record):
    client.force_login(inspector)
    client.post(reverse("audit:verify"))
    body = client.get(reverse("audit:events"), {"kind": "test.more"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "test.more" in body and "listing:L1" not in body
    assert "核验通过" in body
    assert Event.objects.filter(kind="audit.browsed", actor=f"user:{inspector.pk}").exists()


def test_audit_browser_keeps_its_queries_bounded(client, inspector, record, django_assert_max_num_queries):
    client.force_login(inspector)
    for i in range(60):
        event_append(kind="test.bulk", actor="system", payload={"i": i})
    with django_assert_max_num_queries(14):
        assert client.get(reverse("audit:events")).status_code == 200


@pytest.mark.parametrize("role", [r.value for r in User.Role])
def test_only_staff_move_the_clock_through_the_bar(client, make_user, role):
    client.force_login(make_user(role))
    target = clock.now() + timedelta(days=1)
    client.post(reverse("audit:clock_advance"), {"to": target.astimezone(clock.SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
                                                  "next": "/"})
    clock.forget_cached_offset()
    moved = clock.offset() > timedelta(hours=20)
    assert moved == (role == "staff")


def test_clock_now_gives_platform_time(client):
    data = client.get(reverse("audit:clock_now")).json()
    assert abs(data["epoch_ms"] / 1000 - clock.now().timestamp()) < 5
