"""Reads of draws whose answer depends on who asks.

Secrecy (TL Art. 37; draw.md §1, §5): until the award, staff, supervisors, bidders and the
public see counts, positions and acceptances, never who was drawn or excluded. Names are
shown to inspectors, to each person about their own call, after the award for expert draws,
and at once for contractor draws (their candidates are public registrants). Every page, API,
export and the admin read names through `names_visible`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from experts.models import Draw, Pick
from experts.services import award_published, draw_seq
from trading.models import Kind, Status

Viewer = User | AnonymousUser
UNPUBLISHED = (Status.DRAFT, Status.SUBMITTED)


def draws_public() -> QuerySet[Draw]:
    """Draws of published listings: their hashes, counts and positions are public."""
    return (Draw.objects.exclude(lot__listing__status__in=UNPUBLISHED)
            .select_related("lot__listing", "follows").order_by("-created_at"))


def draw_for_room(user: Viewer, pk: int) -> Draw | None:
    """The draw, if this user may be in its room (staff, the lot's supervisor, inspectors)."""
    draw = Draw.objects.select_related("lot__listing", "lot__supervisor", "follows").filter(pk=pk).first()
    if draw is None or not user.is_authenticated or not user.has_perm("experts.view_room", draw):
        return None
    return draw


def names_public(draw: Draw) -> bool:
    """Published to everyone: contractor draws at once, procurement experts with the award notice."""
    if draw.state not in (Draw.State.DRAWN, Draw.State.REVEALED):
        return False
    if draw.purpose == Draw.Purpose.CONTRACTOR:
        return True
    return draw.lot.listing.kind == Kind.PROCUREMENT and award_published(draw.lot)


def names_visible(user: Viewer, draw: Draw) -> bool:
    """Inspectors always; staff and the lot's supervisor once the award is out (the winner is
    decided, TL Art. 37); everyone else only what is published."""
    if names_public(draw) or not user.is_authenticated:
        return names_public(draw)
    if user.has_perm("experts.view_names"):
        return True
    return (draw.state in (Draw.State.DRAWN, Draw.State.REVEALED) and user.has_perm("experts.view_room", draw)
            and award_published(draw.lot))


def candidates_public(draw: Draw) -> bool:
    """Whether the candidate list may be published, so a browser can recompute the draw:
    contractor draws, and procurement after the award notice (which lists the experts)."""
    return draw.state == Draw.State.REVEALED and names_public(draw)


@dataclass(frozen=True)
class PickView:
    position: int
    role: str  # "drawn" or "backup"
    status: str
    status_display: str
    seated: bool
    attempts: int
    name: str  # "" when the viewer may not see it
    member: str
    pk: int


def picks_for(user: Viewer, draw: Draw) -> list[PickView]:
    show = names_visible(user, draw)
    rows = Pick.objects.filter(draw=draw).select_related("expert", "organisation").order_by("position")
    out = []
    for pick in rows:
        if show:
            name = pick.expert.name if pick.expert_id else pick.organisation.name
        else:
            name = ""
        out.append(PickView(pick.position, "drawn" if pick.position <= draw.k else "backup", pick.status,
                            pick.get_status_display(), pick.seated, pick.attempts, name,
                            pick.member if show else "", pick.pk))
    return out


def calls_of(user: User) -> QuerySet[Pick]:
    """A person's own calls: an expert's, or a bidder firm's contractor draws."""
    if user.role == User.Role.EXPERT:
        picks = Pick.objects.filter(expert__user=user)
    elif user.role == User.Role.BIDDER and user.organisation_id:
        picks = Pick.objects.filter(organisation_id=user.organisation_id)
    else:
        return Pick.objects.none()
    return picks.exclude(status=Pick.CallStatus.WAITING).select_related("draw__lot__listing").order_by("-pk")


def call_for(user: Viewer, pk: int) -> Pick | None:
    if not user.is_authenticated:
        return None
    return calls_of(user).filter(pk=pk).first()


def seqs(draw: Draw) -> dict[str, int | None]:
    return {kind: draw_seq(draw, kind) for kind in ("create", "freeze", "witness", "result", "reveal", "abandon")}


def public_state(draw: Draw) -> dict[str, Any]:
    """What anyone may see of a draw: the public page, the projector and the JSON agree."""
    revealed = draw.state == Draw.State.REVEALED
    data: dict[str, Any] = {
        "draw_id": draw.draw_id, "listing": draw.lot.code, "purpose": draw.purpose, "state": draw.state,
        "k": draw.k, "m": draw.m, "commit": draw.commit, "rules_hash": draw.rules_hash,
        "follows": draw.follows.draw_id if draw.follows_id else None,
        "followed_by": [d.draw_id for d in draw.followed_by.all()],
        "abandon_reason": draw.abandon_reason or None,
        "n_pool": draw.n_pool, "n_excluded": draw.n_excluded, "n_candidates": draw.n_candidates,
        "pool_snapshot_hash": draw.pool_snapshot_hash or None, "excluded_hash": draw.excluded_hash or None,
        "candidates_hash": draw.candidates_hash or None, "anchor": draw.anchor or None,
        "checkpoint_size": draw.checkpoint_size, "checkpoint": draw.checkpoint_note or None,
        "witness": draw.witness or None, "result": draw.result or None,
        "picks": len(draw.picks) or None, "secret": draw.secret if revealed else None,
        "events": seqs(draw),
    }
    if names_public(draw):
        data["drawn"], data["backups"] = draw.drawn, draw.backups
    if candidates_public(draw):
        data["candidates"] = draw.candidates
    return data
