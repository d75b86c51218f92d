"""What every opening service shares: the chain object of a lot, the worker's hold on an
opening, and telling the page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from config.realtime import broadcast_on_commit
from trading.models import Lot, Opening


class LockSuperseded(DomainError):
    code = "lock_superseded"
    http_status = 409
    message = _("This opening is held by another opening worker, or was locked again.")


def lot_object(lot: Lot) -> str:
    """seal.md §7: each step is an event on `listing:<code>`, the lot's code being the listing's in headers."""
    return f"listing:{lot.code}"


def group(lot_id: int) -> str:
    return f"opening.{lot_id}"


def changed(opening: Opening, **extra) -> None:
    """The opening page refetches its state (with the viewer's permissions) after the commit."""
    broadcast_on_commit(group(opening.lot_id), {"type": "opening.changed", "state": opening.state, **extra})


def held(opening_id: int, holder: str, lock_seq: int | None) -> Opening:
    """The opening, row-locked, if this worker still holds it under this lock; else the worker
    must drop what it holds (another worker took over and locked again)."""
    opening = Opening.objects.select_for_update().select_related("lot__listing").get(pk=opening_id)
    if opening.holder != holder or opening.lock_seq != lock_seq:
        raise LockSuperseded()
    return opening
