"""Which stages each kind goes through, and from where it may be suspended, failed or cancelled."""

from __future__ import annotations

from trading.models import Kind, Method, Status

TENDER_FLOW = (Status.PUBLISHED, Status.BIDDING, Status.OPENING, Status.EVALUATION, Status.PUBLICIZED,
               Status.AWARDED, Status.CONTRACT_SIGNED, Status.ARCHIVED)
FIXED_PRICE_FLOW = (Status.PUBLISHED, Status.SIGN_UP, Status.QUALIFICATION, Status.DRAW, Status.RESULT_PUBLICIZED,
                    Status.AWARDED, Status.CONTRACT_SIGNED, Status.ARCHIVED)
SALE_FLOW = (Status.PUBLISHED, Status.DEPOSITS, Status.BIDDING_PERIOD, Status.RESULT, Status.CONTRACT_SIGNED,
             Status.ARCHIVED)

# Stages the chronograph leaves at a time, not staff: the clock decides, so nobody can hold a
# deadline open or close it early.
TIMED = {Status.PUBLISHED, Status.BIDDING, Status.SIGN_UP, Status.DEPOSITS, Status.BIDDING_PERIOD}

# The stages staff end by hand; every other stage ends in its own service (the chronograph,
# recording the result, the award, the contract), so no step can be skipped.
STAFF_STEPS = {Status.OPENING: Status.EVALUATION, Status.QUALIFICATION: Status.DRAW,
               Status.CONTRACT_SIGNED: Status.ARCHIVED}

SUSPENDABLE = {Status.PUBLISHED, Status.BIDDING, Status.OPENING, Status.EVALUATION, Status.PUBLICIZED,
               Status.SIGN_UP, Status.QUALIFICATION, Status.DRAW, Status.RESULT_PUBLICIZED, Status.DEPOSITS,
               Status.BIDDING_PERIOD, Status.RESULT, Status.AWARDED}
FAILABLE = {Status.PUBLISHED, Status.BIDDING, Status.OPENING, Status.EVALUATION, Status.PUBLICIZED, Status.SIGN_UP,
            Status.QUALIFICATION, Status.DRAW, Status.DEPOSITS, Status.BIDDING_PERIOD, Status.RESULT}
CANCELLABLE = {Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.BIDDING, Status.SIGN_UP, Status.DEPOSITS}
SIGN_UP_OPEN = {Status.PUBLISHED, Status.BIDDING, Status.SIGN_UP, Status.DEPOSITS}


def flow(kind: str, method: str) -> tuple[Status, ...]:
    if kind == Kind.FIXED_PRICE:
        return FIXED_PRICE_FLOW
    if kind == Kind.ASSET or method in (Method.LAND_AUCTION, Method.LAND_LISTING):
        return SALE_FLOW
    return TENDER_FLOW


def takes_sealed_bids(kind: str, method: str) -> bool:
    """Tenders and procurement take sealed bids (seal.md); fixed-price lots draw a contractor
    and sales are auctioned or listed, so they have no listing keys."""
    return flow(kind, method) is TENDER_FLOW


def next_stage(kind: str, method: str, current: str) -> Status | None:
    stages = flow(kind, method)
    if current not in stages:
        return None
    index = stages.index(Status(current))
    return stages[index + 1] if index + 1 < len(stages) else None
