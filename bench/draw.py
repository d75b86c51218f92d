"""Expert draw end to end (issue: verifiable random draws, benchmarks).

A pool of 100,000 experts; 7 experts + 7 backups for a specialty about 5,000 of them hold,
avoidance against 30 organisations (the lot's registrants, employers, former employers within
3 years, relatives), penalties and a 30-day cooldown. Per run: create, freeze (the queries,
the snapshot, the manifest, the hashes, the freeze checkpoint), witness and result with the
first calls; the supervisor's cosignature happens between freeze and witness and is not timed.

- draw_e2e_p50_ms / draw_e2e_p95_ms: the services end to end;
- draw_only_p50_ms: §4 alone (seed, stream, shuffle, result) over the frozen candidates.

Usage: python -m bench draw [--experts N] [--repeats N]   (scratch database, as bench audit)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta

from bench.audit import drop_scratch, emit, scratch_database, setup_django


def populate(n: int, rng: random.Random):
    from accounts.models import Organisation, User
    from audit import clock
    from experts.models import Expert, FormerEmployer, Penalty, Pick, RelativeOrganisation, Specialty
    from tests.accounts.factories import valid_credit_code
    from tests.experts.factories import Supervisor, lot_with_supervisor
    from trading.models import Registration

    supervisor = Supervisor()
    lot, _ = lot_with_supervisor(supervisor=supervisor)
    now = clock.now()
    parties = []
    for i in range(29):  # 29 registrants + the tenderer = 30 organisations to avoid
        org = Organisation.objects.create(name=f"投标单位{i}", credit_code=valid_credit_code(), created_at=now,
                                          status="verified")
        user = User.objects.create_user(username=f"bench-bidder{i}", role="bidder", organisation=org)
        Registration.objects.create(lot=lot, organisation=org, signed_up_at=now, signed_up_by=user)
        parties.append(org.credit_code)
    parties.append(lot.listing.tenderer.credit_code)
    others = [f"ORG-{i:06d}" for i in range(2000)]
    codes = ["A0801"] + [f"B{i:04d}" for i in range(19)]
    specialties = {code: Specialty.objects.create(code=code, name=code) for code in codes}
    experts = [Expert(code=f"EXP-{i:06d}", name=f"专家{i}", created_at=now, updated_at=now,
                      employer=rng.choice(parties) if rng.random() < 0.01 else rng.choice(others),
                      status="active" if rng.random() < 0.97 else "suspended") for i in range(n)]
    Expert.objects.bulk_create(experts, batch_size=5000)
    ids = list(Expert.objects.order_by("pk").values_list("pk", flat=True))
    through = Expert.specialties.through
    rows = []
    for pk in ids:
        # About 5% hold A0801; everyone holds one or two other classes.
        chosen = {specialties["A0801"].pk} if rng.random() < 0.05 else set()
        chosen |= {specialties[rng.choice(codes[1:])].pk for _ in range(rng.randint(1, 2))}
        rows += [through(expert_id=pk, specialty_id=s) for s in chosen]
    through.objects.bulk_create(rows, batch_size=10000)
    sample = rng.sample(ids, n // 10)
    FormerEmployer.objects.bulk_create(
        [FormerEmployer(expert_id=pk, organisation=rng.choice(parties + others), left_on=date(2020, 1, 1)
                        + timedelta(days=rng.randint(0, 2500))) for pk in sample], batch_size=10000)
    RelativeOrganisation.objects.bulk_create(
        [RelativeOrganisation(expert_id=pk, organisation=rng.choice(parties + others)) for pk in sample[: n // 20]],
        batch_size=10000)
    Penalty.objects.bulk_create([Penalty(expert_id=pk, reference=f"QX-{pk}", starts_on=date(2026, 1, 1))
                                 for pk in sample[: n // 100]], batch_size=10000)
    # Served recently: accepted seats in an earlier draw (cooldown).
    from experts import services

    staff = User.objects.create_user(username="bench-staff", role="staff")
    earlier = services.draw_create(by=staff, request=services.DrawRequest(lot=lot, purpose="expert", k=1, m=0,
                                                                         specialties=["A0801"]))
    Pick.objects.bulk_create([Pick(draw=earlier, position=i + 1, member=f"x{i}", expert_id=pk, status="accepted")
                              for i, pk in enumerate(sample[: n // 200])])
    return lot, supervisor, staff


def one_draw(lot, supervisor, staff, witness: str) -> tuple[float, float, int]:
    from experts import draw as engine
    from experts import services

    t0 = time.perf_counter()
    draw = services.draw_create(by=staff, request=services.DrawRequest(lot=lot, purpose="expert", k=7, m=7,
                                                                      specialties=["A0801"]))
    draw = services.draw_freeze(draw=draw, by=staff)
    t1 = time.perf_counter()
    supervisor.cosign(draw.checkpoint_size)  # the supervisor's system: not the platform's time
    t2 = time.perf_counter()
    draw = services.draw_witness_and_run(draw=draw, by=supervisor.user, witness=witness)
    t3 = time.perf_counter()
    assert draw.state == "drawn", draw.abandon_reason
    d0 = time.perf_counter()
    engine.draw(secret=bytes.fromhex(draw.secret), draw_id=draw.draw_id, candidates=draw.candidates,
                anchor=draw.anchor, witness=witness, k=7, m=7)
    d1 = time.perf_counter()
    return (t1 - t0 + t3 - t2) * 1000, (d1 - d0) * 1000, draw.n_candidates


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench draw")
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    scratch_database()
    vendor = connection.vendor
    try:
        rng = random.Random(8)
        lot, supervisor, staff = populate(args.experts, rng)
        one_draw(lot, supervisor, staff, "100000")  # warm-up
        e2e, only, candidates = [], [], 0
        for i in range(args.repeats):
            total, alone, candidates = one_draw(lot, supervisor, staff, f"{123456 + i}")
            e2e.append(total)
            only.append(alone)
        e2e.sort()
        context = {"experts": args.experts, "candidates": candidates, "k": 7, "m": 7, "repeats": args.repeats,
                   "db": vendor}
        emit("draw_e2e_p50_ms", statistics.median(e2e), "ms", **context)
        emit("draw_e2e_p95_ms", e2e[max(0, round(0.95 * len(e2e)) - 1)], "ms", **context)
        emit("draw_only_p50_ms", statistics.median(only), "ms", **context)
        return 0
    finally:
        drop_scratch()


if __name__ == "__main__":
    sys.exit(main())
