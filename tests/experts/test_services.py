"""The draw's timeline through the services (draw.md §3), checked against the standalone
verifier's own code on a real audit export."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from audit import clock
from audit.models import Event
from config.errors import NotPermitted
from experts import draw as engine
from experts import services
from experts.draw_record import verify_freeze
from experts.errors import CheckpointNotCosigned, DrawWrongState, RevealTooEarly, WitnessInvalid
from experts.models import Draw, DrawEvent, FormerEmployer, Penalty, Pick, RelativeOrganisation
from experts.pool import avoidance_settings
from experts.record import draw_record, verify
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.experts.factories import expert, experts, lot_with_supervisor
from trading.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return UserFactory(role=User.Role.STAFF)


def create(lot, staff_user, *, k=3, m=2, **kw):
    return services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=lot, purpose="expert", k=k, m=m, specialties=["A0801"], **kw))


def frozen_and_cosigned(lot, supervisor, staff_user, **kw):
    draw = services.draw_freeze(draw=create(lot, staff_user, **kw), by=staff_user)
    supervisor.cosign(draw.checkpoint_size)
    return draw


def test_full_timeline_verifies_with_the_standalone_verifier(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(12)
    draw = frozen_and_cosigned(lot, supervisor, staff_user)
    assert draw.state == "frozen" and draw.n_candidates == 12 and draw.anchor
    freeze = Event.objects.get(seq=services.draw_seq(draw, "freeze"))
    assert draw.anchor == freeze.link  # the anchor is the freeze event's link
    draw = services.draw_witness_and_run(draw=draw, by=supervisor.user, witness="402917")
    assert draw.state == "drawn" and len(draw.drawn) == 3 and len(draw.backups) == 2
    assert list(Pick.objects.filter(draw=draw, seated=True).values_list("position", flat=True)) == [1, 2, 3]
    lines = verify(draw)
    assert lines[0] == "OK " + " ".join(draw.drawn)
    # The chain holds hashes and counts, never an expert id (draw.md §1).
    payloads = "".join(Event.objects.filter(object=f"draw:{draw.draw_id}").values_list("payload", flat=True))
    assert not any(code in payloads for code in draw.candidates)
    assert draw.secret not in payloads  # not revealed before the award


def test_same_inputs_give_the_same_result_as_the_engine(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(9)
    draw = services.draw_witness_and_run(draw=frozen_and_cosigned(lot, supervisor, staff_user),
                                         by=supervisor.user, witness="123456")
    again = engine.draw(secret=bytes.fromhex(draw.secret), draw_id=draw.draw_id, candidates=reversed(draw.candidates),
                        anchor=draw.anchor, witness="123456", k=3, m=2)
    assert list(again.drawn) == draw.drawn and again.result == draw.result


def test_witness_before_cosigned_checkpoint_is_refused(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_freeze(draw=create(lot, staff_user), by=staff_user)
    with pytest.raises(CheckpointNotCosigned):
        services.draw_witness(draw=draw, by=supervisor.user, witness="123456")
    draw.refresh_from_db()
    assert draw.state == "frozen" and draw.witness == ""


@pytest.mark.parametrize("witness", ["12345", "12a456", "1" * 65, "", "１２３４５６"])
def test_bad_witness_is_refused_and_nothing_saved(staff_user, witness):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = frozen_and_cosigned(lot, supervisor, staff_user)
    before = Event.objects.count()
    with pytest.raises(WitnessInvalid):
        services.draw_witness(draw=draw, by=supervisor.user, witness=witness)
    assert Event.objects.count() == before


def test_only_the_lots_supervisor_types_the_witness(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = frozen_and_cosigned(lot, supervisor, staff_user)
    for user in (staff_user, UserFactory(role=User.Role.SUPERVISOR), UserFactory(role=User.Role.INSPECTOR)):
        with pytest.raises(NotPermitted):
            services.draw_witness(draw=draw, by=user, witness="123456")


@pytest.mark.parametrize("role", ["bidder", "agent", "supervisor", "inspector", "expert"])
def test_only_staff_create_and_freeze(role, staff_user):
    lot, _ = lot_with_supervisor()
    with pytest.raises(NotPermitted):
        create(lot, UserFactory(role=role))
    draw = create(lot, staff_user)
    with pytest.raises(NotPermitted):
        services.draw_freeze(draw=draw, by=UserFactory(role=role))


def test_database_refuses_a_second_event_of_a_kind(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_witness_and_run(draw=frozen_and_cosigned(lot, supervisor, staff_user),
                                         by=supervisor.user, witness="123456")
    for kind in ("freeze", "witness", "result"):
        with pytest.raises(IntegrityError), transaction.atomic():
            services.record_event(draw, kind, None, {"draw_id": draw.draw_id})
    assert DrawEvent.objects.filter(draw=draw, kind="result").count() == 1


def test_second_freeze_or_witness_is_refused_by_state(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_witness_and_run(draw=frozen_and_cosigned(lot, supervisor, staff_user),
                                         by=supervisor.user, witness="123456")
    with pytest.raises(DrawWrongState):
        services.draw_freeze(draw=draw, by=staff_user)
    with pytest.raises(DrawWrongState):
        services.draw_witness(draw=draw, by=supervisor.user, witness="654321")


def test_too_few_candidates_abandon_the_draw_visibly(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(2)
    draw = services.draw_freeze(draw=create(lot, staff_user, k=3), by=staff_user)
    assert draw.state == "abandoned" and draw.abandon_reason == "INSUFFICIENT_CANDIDATES"
    abandon = Event.objects.get(seq=services.draw_seq(draw, "abandon"))
    assert abandon.kind == "draw.abandon" and "INSUFFICIENT_CANDIDATES" in abandon.payload
    follower = create(lot, staff_user, k=2, follows=draw)
    assert Event.objects.get(seq=services.draw_seq(follower, "create")).payload.count(draw.draw_id) == 1


def test_failure_after_witness_abandons_and_never_reruns(staff_user, monkeypatch):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_witness(draw=frozen_and_cosigned(lot, supervisor, staff_user), by=supervisor.user,
                                 witness="123456")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.engine, "draw", broken)
    draw = services.draw_result(draw=draw, by=supervisor.user)
    assert draw.state == "abandoned" and draw.abandon_reason == "ERROR_RUNTIMEERROR"
    monkeypatch.undo()
    with pytest.raises(DrawWrongState):
        services.draw_result(draw=draw, by=supervisor.user)
    assert not DrawEvent.objects.filter(draw=draw, kind="result").exists()


def test_interrupted_witness_is_abandoned_by_the_sweep(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_witness(draw=frozen_and_cosigned(lot, supervisor, staff_user), by=supervisor.user,
                                 witness="123456")
    assert services.draws_due() == {"revealed": 0, "abandoned": 0}
    Draw.objects.filter(pk=draw.pk).update(witnessed_at=clock.now() - timedelta(minutes=3))
    assert services.draws_due()["abandoned"] == 1
    draw.refresh_from_db()
    assert draw.abandon_reason == "INTERRUPTED"


def test_every_avoidance_rule_excludes_with_its_reason_and_datum(staff_user):
    bidder_org, tenderer_side = OrganisationFactory(), None
    lot, supervisor = lot_with_supervisor()
    Registration.objects.create(lot=lot, organisation=bidder_org, signed_up_at=clock.now(),
                                signed_up_by=UserFactory(role="bidder", organisation=bidder_org))
    tenderer_side = lot.listing.tenderer.credit_code
    settings = avoidance_settings()
    settings.cooldown_days = 30
    settings.save()
    keep = experts(5)
    employee = expert(employer=bidder_org.credit_code)
    tenderer_employee = expert(employer=tenderer_side)
    former = expert()
    FormerEmployer.objects.create(expert=former, organisation=bidder_org.credit_code,
                                  left_on=clock.now().date() - timedelta(days=365))
    old_former = expert()
    FormerEmployer.objects.create(expert=old_former, organisation=bidder_org.credit_code, left_on=date(2015, 1, 1))
    relative = expert()
    RelativeOrganisation.objects.create(expert=relative, organisation=tenderer_side, relation="配偶")
    penalised = expert()
    Penalty.objects.create(expert=penalised, reference="2026-QX-001", starts_on=date(2026, 1, 1))
    expired = expert()
    Penalty.objects.create(expert=expired, reference="2020-QX-009", starts_on=date(2020, 1, 1),
                           ends_on=date(2021, 1, 1))
    suspended = expert(status="suspended")
    other_specialty = expert(specialties=("B0203",))
    served = expert()
    earlier = services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=lot, purpose="expert", k=1, m=0, specialties=["A0801"]))
    Pick.objects.create(draw=earlier, position=1, member=served.code, expert=served, status="accepted")

    draw = services.draw_freeze(draw=create(lot, staff_user, k=3), by=staff_user)
    manifest = {(row["id"], row["reason"], row["datum"]) for row in draw.excluded}
    assert manifest == {
        (employee.code, "EMPLOYER_IS_BIDDER", bidder_org.credit_code),
        (tenderer_employee.code, "EMPLOYER_IS_TENDERER", tenderer_side),
        (former.code, "FORMER_EMPLOYER_3Y", bidder_org.credit_code),
        (relative.code, "RELATIVE_OF_PARTY", tenderer_side),
        (penalised.code, "PENALTY_ACTIVE", "2026-QX-001"),
        (served.code, "COOLDOWN", earlier.draw_id),
    }
    pool_ids = {e["id"] for e in draw.pool}
    assert suspended.code not in pool_ids and other_specialty.code not in pool_ids  # criteria, not rules
    assert set(draw.candidates) == {e.code for e in keep} | {old_former.code, expired.code}
    verify_freeze(draw_record_like(draw))  # the verifier replays the manifest


def draw_record_like(draw):
    return {"criteria": draw.criteria, "rules": draw.rules, "rules_hash": draw.rules_hash, "pool": draw.pool,
            "pool_snapshot_hash": draw.pool_snapshot_hash, "excluded": draw.excluded,
            "excluded_hash": draw.excluded_hash, "candidates": draw.candidates,
            "candidates_hash": draw.candidates_hash, "k": draw.k}


def test_reveal_waits_for_the_award(staff_user):
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_witness_and_run(draw=frozen_and_cosigned(lot, supervisor, staff_user),
                                         by=supervisor.user, witness="123456")
    with pytest.raises(RevealTooEarly):
        services.draw_reveal(draw=draw, by=staff_user)
    lot.listing.status = "awarded"
    lot.listing.save(update_fields=["status"])
    assert services.draws_due()["revealed"] == 1
    draw.refresh_from_db()
    reveal = Event.objects.get(seq=services.draw_seq(draw, "reveal"))
    assert draw.state == "revealed" and draw.secret in reveal.payload
    record = draw_record(draw)
    assert record["events"]["reveal"] == reveal.seq
    assert verify(draw)[0].startswith("OK ")


def test_freeze_leaves_the_garbage_collector_as_it_found_it(staff_user):
    import gc

    lot, _ = lot_with_supervisor()
    experts(4)
    assert gc.isenabled()
    draw = services.draw_freeze(draw=create(lot, staff_user), by=staff_user)
    assert draw.state == "frozen" and gc.isenabled()
    gc.disable()
    try:
        with services._collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller's own pause is kept
    finally:
        gc.enable()
