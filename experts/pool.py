"""What a draw is drawn from: the criteria and avoidance rules of a lot, fixed at create, and
the registry's members as read at freeze (draw.md §5), in the snapshot's field names.

Expert members carry `specialties`, `status`, `region`, `employer`, `former_employers_3y`
(or `former_employers_<n>y`), `relatives_orgs`, `penalties` and `recent_draws`; contractor
members (a lot's qualified registrants, by credit code) carry `status`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from audit.clock import SHANGHAI
from experts.models import (AvoidanceSettings, Draw, Expert, FormerEmployer, Penalty, Pick, RelativeOrganisation,
                            Specialty)
from trading.models import Lot, Registration

Criteria = list[dict[str, Any]]
Rules = list[dict[str, Any]]


def avoidance_settings() -> AvoidanceSettings:
    return AvoidanceSettings.objects.get_or_create(pk=1)[0]


def former_field(years: int) -> str:
    return f"former_employers_{years}y"


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted({v for v in values if v}, key=lambda v: v.encode("utf-8"))


def lot_parties(lot: Lot) -> tuple[list[str], list[str]]:
    """(bidders, tenderer side) by credit code: the lot's registrants and the tenderer and agent."""
    bidders = (Registration.objects.filter(lot=lot).exclude(status=Registration.RegistrationStatus.WITHDRAWN)
               .values_list("organisation__credit_code", flat=True))
    listing = lot.listing
    tenderer = [listing.tenderer.credit_code] + ([listing.agent.credit_code] if listing.agent_id else [])
    return _sorted(bidders), _sorted(tenderer)


def expert_criteria(*, specialties: list[str], regions: list[str]) -> Criteria:
    criteria = [{"field": "specialties", "any_of": _sorted(specialties)},
                {"field": "status", "any_of": [Expert.ExpertStatus.ACTIVE.value]}]
    if regions:
        criteria.append({"field": "region", "any_of": _sorted(regions)})
    return criteria


def expert_rules(lot: Lot, settings: AvoidanceSettings) -> Rules:
    """The center's avoidance rules against this lot's parties; a rule with nobody to avoid is left out
    (a rule's list may not be empty, draw.md §5)."""
    bidders, tenderer = lot_parties(lot)
    parties = _sorted(bidders + tenderer)
    rules: Rules = []
    if settings.employer_is_bidder and bidders:
        rules.append({"reason": "EMPLOYER_IS_BIDDER", "field": "employer", "any_of": bidders})
    if settings.employer_is_tenderer and tenderer:
        rules.append({"reason": "EMPLOYER_IS_TENDERER", "field": "employer", "any_of": tenderer})
    if settings.former_employer_years and parties:
        years = settings.former_employer_years
        rules.append({"reason": f"FORMER_EMPLOYER_{years}Y", "field": former_field(years), "any_of": parties})
    if settings.relatives and parties:
        rules.append({"reason": "RELATIVE_OF_PARTY", "field": "relatives_orgs", "any_of": parties})
    if settings.penalties:
        rules.append({"reason": "PENALTY_ACTIVE", "field": "penalties", "any_of": None})
    if settings.cooldown_days:
        rules.append({"reason": "COOLDOWN", "field": "recent_draws", "any_of": None})
    return rules


CONTRACTOR_CRITERIA: Criteria = [{"field": "status", "any_of": [Registration.RegistrationStatus.QUALIFIED.value]}]


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _of_pool(model: type[models.Model], ids: list[int], experts: QuerySet[Expert]) -> Q:
    """`model`'s rows of the pool's experts. PostgreSQL: the pool's ids as one array parameter,
    one constant to send and to plan, so the pool's own query is not run again per table (the
    planner, without statistics on a freshly loaded registry, picks a slow plan for it); elsewhere
    that query as a subquery."""
    if connection.vendor == "postgresql":
        column = f'"{model._meta.db_table}"."expert_id"'
        return Q(RawSQL(f"{column} = ANY(%s::bigint[])", (ids,), output_field=models.BooleanField()))
    return Q(expert_id__in=experts.values("pk"))


def expert_members(criteria: Criteria, rules: Rules, *, now: datetime, cooldown_days: int) -> list[dict[str, Any]]:
    """The experts meeting the criteria, with every field the criteria and rules name, as of `now`.

    SQL narrows to the criteria; the pure engine checks them again when it builds the snapshot.
    Seven queries whatever the pool's size.
    """
    wanted = {c["field"]: c["any_of"] for c in criteria}
    # The criteria as semi-joins (no DISTINCT over a join); the related rows are read for the
    # pool's ids (see _of_pool), not by a list of thousands of placeholders (slow to send and plan).
    through = Expert.specialties.through
    experts = Expert.objects.all()
    if "specialties" in wanted:
        experts = experts.filter(pk__in=through.objects.filter(specialty__code__in=wanted["specialties"])
                                 .values("expert_id"))
    if "status" in wanted:
        experts = experts.filter(status__in=wanted["status"])
    if "region" in wanted:
        experts = experts.filter(region__in=wanted["region"])
    rows = list(experts.values_list("pk", "code", "status", "region", "employer"))
    ids = [row[0] for row in rows]
    fields = {c["field"] for c in criteria} | {r["field"] for r in rules}
    lists: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    if "specialties" in fields:  # the member's every specialty, not only the matching ones
        codes = dict(Specialty.objects.values_list("pk", "code"))  # a small table: no join per row
        on_pool = _of_pool(through, ids, experts)
        specialties = lists["specialties"]
        for pk, specialty in through.objects.filter(on_pool).values_list("expert_id", "specialty_id"):
            specialties[pk].append(codes[specialty])
    today = _today(now)
    for field in fields:
        if field.startswith("former_employers_") and field.endswith("y"):
            since = _years_before(today, int(field.removeprefix("former_employers_").removesuffix("y")))
            for pk, org in FormerEmployer.objects.filter(_of_pool(FormerEmployer, ids, experts),
                                                         left_on__gte=since).values_list("expert_id", "organisation"):
                lists[field][pk].append(org)
    if "relatives_orgs" in fields:
        for pk, org in RelativeOrganisation.objects.filter(_of_pool(RelativeOrganisation, ids, experts)).values_list(
                "expert_id", "organisation"):
            lists["relatives_orgs"][pk].append(org)
    if "penalties" in fields:
        in_force = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        for pk, ref in Penalty.objects.filter(in_force, _of_pool(Penalty, ids, experts)).values_list(
                "expert_id", "reference"):
            lists["penalties"][pk].append(ref)
    if "recent_draws" in fields and cooldown_days:
        # Served recently: accepted a seat in a draw created inside the cooldown.
        recent = Pick.objects.filter(_of_pool(Pick, ids, experts), status=Pick.CallStatus.ACCEPTED,
                                     draw__created_at__gte=now - timedelta(days=cooldown_days))
        for pk, draw_id in recent.values_list("expert_id", "draw__draw_id"):
            lists["recent_draws"][pk].append(draw_id)
    # Column by column: the members are built once, with no lookup of a field per member.
    columns = [[code for _, code, *_ in rows]]
    names = ["id"]
    for field in fields:
        names.append(field)
        if field in ("status", "region", "employer"):
            index = ("status", "region", "employer").index(field) + 2
            columns.append([row[index] for row in rows])
        else:
            values = lists[field]
            columns.append([values.get(pk, ()) for pk in ids])  # () is shared: no list per member
    return [dict(zip(names, member)) for member in zip(*columns)]


def contractor_members(lot: Lot) -> list[dict[str, Any]]:
    """The lot's registrants with their status; the criterion keeps the qualified ones."""
    return [{"id": code, "status": status} for code, status in
            Registration.objects.filter(lot=lot).values_list("organisation__credit_code", "status")]


def members_at_freeze(draw: Draw, now: datetime) -> list[dict[str, Any]]:
    if draw.purpose == Draw.Purpose.CONTRACTOR:
        return contractor_members(draw.lot)
    return expert_members(draw.criteria, draw.rules, now=now, cooldown_days=draw.cooldown_days)
