"""Demo data for draws (`manage.py load_demo`): a pool, an expert draw and a fixed-price
contractor draw carried through to the reveal, and an abandoned draw with its successor.

The demo supervisor's cosigner key is made here (demo only) and kept as a key file in var/
under the demo password, so the demo supervisor can cosign further draws in the browser.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accounts.demo_keys import demo_private_key
from accounts.models import Organisation, User
from audit import chain, clock
from audit.cosign import checkpoint_cosign, cosigner_name
from audit.models import Checkpoint
from experts import calls, services
from experts.models import Expert, Penalty, Pick, RelativeOrganisation, Specialty
from trading.models import Kind, Lot, Registration, Status

SPECIALTIES = [("A0801", "房屋建筑工程"), ("A0802", "市政公用工程"), ("A0803", "水利水电工程"),
               ("B0101", "医疗设备"), ("B0203", "信息化设备"), ("C0301", "工程造价"), ("C0302", "财务会计")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "海燕", "志强", "丽华", "俊杰", "晓明", "文静", "国庆", "红梅", "永刚", "雪松", "春生"]
REGIONS = ["杭州市", "宁波市", "温州市"]


class DemoCosigner:
    """The demo supervisor's cosigner key: the one accounts.demo_keys made, whose key file is
    in var/demo-keys/ for anyone trying the demo."""

    def __init__(self, supervisor: User) -> None:
        self.user = supervisor
        seed = demo_private_key(supervisor, "cosigner")
        if seed is None:
            raise RuntimeError("the demo's keys are made first (accounts.demo_keys.make_demo_keys)")
        self.key = Ed25519PrivateKey.from_private_bytes(seed)

    def cosign(self, size: int) -> None:
        note = Checkpoint.objects.get(size=size).note
        signed = chain.cosign(note, cosigner_name(self.user), self.key, int(clock.now().timestamp()))
        checkpoint_cosign(by=self.user, size=size, line=signed[len(note):])


def _pool(rng: random.Random, orgs: list[str], expert_user: User | None) -> None:
    specialties = [Specialty.objects.get_or_create(code=c, defaults={"name": n})[0] for c, n in SPECIALTIES]
    now = clock.now()
    for i in range(1, 61):
        expert = Expert.objects.create(
            code=f"EXP-{330100 + i:06d}", name=rng.choice(SURNAMES) + rng.choice(GIVEN), region=rng.choice(REGIONS),
            employer=rng.choice(orgs) if i % 9 == 0 else f"ORG-{rng.randint(1, 400):06d}", employer_name="",
            user=expert_user if i == 1 else None, created_at=now, updated_at=now,
            status="suspended" if i % 17 == 0 else "active")
        expert.specialties.set(rng.sample(specialties, 2) if i > 1 else specialties[:2])
        if i % 11 == 0:
            RelativeOrganisation.objects.create(expert=expert, organisation=rng.choice(orgs), relation="配偶")
        if i % 13 == 0:
            Penalty.objects.create(expert=expert, reference=f"浙评罚〔2026〕{i}号", starts_on=date(2026, 1, 1))


def _run(lot: Lot, *, purpose: str, k: int, m: int, staff: User, cosigner: DemoCosigner, time: clock.Replay,
         specialties: list[str], regions: list[str] | None = None, follows=None, witness: str = "483920"):
    draw = services.draw_create(by=staff, request=services.DrawRequest(
        lot=lot, purpose=purpose, k=k, m=m, specialties=specialties, regions=regions or [], follows=follows))
    time.advance(timedelta(minutes=10))
    draw = services.draw_freeze(draw=draw, by=staff)
    if draw.state == "abandoned":
        return draw
    time.advance(timedelta(minutes=2))
    cosigner.cosign(draw.checkpoint_size)
    time.advance(timedelta(minutes=3))
    return services.draw_witness_and_run(draw=draw, by=cosigner.user, witness=witness)


def _answer_all(draw, time: clock.Replay) -> None:
    """Every seat holder with an account accepts on the platform."""
    for pick in Pick.objects.filter(draw=draw, seated=True).select_related("expert__user", "organisation"):
        people = calls.recipients(pick)
        if people:
            time.advance(timedelta(minutes=5))
            calls.call_reply(pick=pick, by=people[0], answer="accept", text="")


def build(*, staff: User, supervisor: User, time: clock.Replay) -> None:
    rng = random.Random(2026)
    cosigner = DemoCosigner(supervisor)
    lots = Lot.objects.select_related("listing").exclude(listing__status__in=(Status.DRAFT, Status.SUBMITTED,
                                                                              Status.CANCELLED))
    orgs = list(Organisation.objects.values_list("credit_code", flat=True))
    _pool(rng, orgs, User.objects.filter(role=User.Role.EXPERT).first())
    awarded = lots.filter(listing__kind__in=(Kind.CONSTRUCTION, Kind.PROCUREMENT),
                          listing__status__in=services.AWARDED).first()
    tender = awarded or lots.filter(listing__kind__in=(Kind.CONSTRUCTION, Kind.PROCUREMENT)).first()
    if tender is not None:
        draw = _run(tender, purpose="expert", k=5, m=3, staff=staff, cosigner=cosigner, time=time,
                    specialties=["A0801", "B0101", "B0203"])
        _answer_all(draw, time)
        if draw.state == "drawn" and services.award_published(tender):
            services.draw_reveal(draw=draw, by=staff)
        other = lots.filter(listing__kind__in=(Kind.CONSTRUCTION, Kind.PROCUREMENT)).exclude(pk=tender.pk).first()
        if other is not None:
            # Too few experts of that specialty in one region: abandoned, then a wider draw follows it.
            first = _run(other, purpose="expert", k=8, m=2, staff=staff, cosigner=cosigner, time=time,
                         specialties=["C0301"], regions=["温州市"])
            _run(other, purpose="expert", k=5, m=2, staff=staff, cosigner=cosigner, time=time,
                 specialties=["C0301", "C0302", "A0802"], follows=first, witness="915073")
    fixed = lots.filter(listing__kind=Kind.FIXED_PRICE).first()
    if fixed is not None:
        registrations = list(Registration.objects.filter(lot=fixed).exclude(status="withdrawn"))
        bidders = list(User.objects.filter(role=User.Role.BIDDER, organisation__status="verified"))
        for user in bidders:
            if len(registrations) >= 4:
                break
            if not any(r.organisation_id == user.organisation_id for r in registrations):
                registrations.append(Registration.objects.create(lot=fixed, organisation=user.organisation,
                                                                 signed_up_at=clock.now(), signed_up_by=user))
        # The qualification check is the trading app's; the demo marks its outcome.
        Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(status="qualified")
        draw = _run(fixed, purpose="contractor", k=1, m=2, staff=staff, cosigner=cosigner, time=time,
                    specialties=[], witness="260417")
        _answer_all(draw, time)
