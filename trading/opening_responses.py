"""After the record (seal.md §7 step 5): bidders confirm it or object within the listing's
confirmation window, and objections are answered on the spot and recorded (实施条例 第44条)."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit import clock
from audit.services import actor_of, event_append
from config.errors import DomainError, NotPermitted
from trading import bids
from trading.models import Bid, Opening, RecordResponse
from trading.opening_events import changed, lot_object

MAX_TEXT = 2000


class ConfirmationClosed(DomainError):
    code = "confirmation_closed"
    message = _("The confirmation window of this opening record is not open.")


class TextInvalid(DomainError):
    code = "text_invalid"
    http_status = 400
    message = _("Write the text (at most %(max)s characters); nothing was recorded.")


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise TextInvalid(max=MAX_TEXT)
    return text


def _bidder_opening(opening_id: int, by: User) -> Opening:
    opening = Opening.objects.select_for_update().select_related("lot").get(pk=opening_id)
    if by.role != User.Role.BIDDER or not Bid.objects.filter(lot=opening.lot, organisation_id=by.organisation_id).exists():
        raise NotPermitted()
    if opening.state != Opening.State.CONFIRMING or clock.now() >= opening.confirm_until:
        raise ConfirmationClosed()
    return opening


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def record_confirm(*, opening_id: int, by: User) -> RecordResponse:
    opening = _bidder_opening(opening_id, by)
    existing = RecordResponse.objects.filter(opening=opening, organisation_id=by.organisation_id,
                                             kind=RecordResponse.Kind.CONFIRM).first()
    if existing is not None:
        return existing
    event = event_append(kind="opening.confirmed", actor=actor_of(by), object=lot_object(opening.lot),
                         payload={"listing": opening.lot.code, "bidder": bids.bidder_id(by.organisation),
                                  "record_sha256": opening.record_sha256})
    row = RecordResponse.objects.create(opening=opening, organisation_id=by.organisation_id,
                                        kind=RecordResponse.Kind.CONFIRM, by=by, at=event.ts, seq=event.seq)
    changed(opening)
    return row


@transaction.atomic
def record_object(*, opening_id: int, by: User, text: str) -> RecordResponse:
    text = _text(text)
    opening = _bidder_opening(opening_id, by)
    event = event_append(kind="opening.objection", actor=actor_of(by), object=lot_object(opening.lot),
                         payload={"listing": opening.lot.code, "bidder": bids.bidder_id(by.organisation),
                                  "record_sha256": opening.record_sha256, "text_sha256": _sha(text)})
    row = RecordResponse.objects.create(opening=opening, organisation_id=by.organisation_id,
                                        kind=RecordResponse.Kind.OBJECT, text=text, by=by, at=event.ts, seq=event.seq)
    changed(opening)
    return row


def may_answer(user: User, opening: Opening) -> bool:
    return user.has_perm("trading.reply_objection", opening.lot.listing)


@transaction.atomic
def objection_answer(*, response_id: int, by: User, text: str) -> RecordResponse:
    """Staff or the listing's agent answer on the spot; the answer is chained by its hash."""
    text = _text(text)
    row = RecordResponse.objects.select_for_update().select_related("opening__lot__listing").get(pk=response_id)
    if row.kind != RecordResponse.Kind.OBJECT or not may_answer(by, row.opening):
        raise NotPermitted()
    if row.answer_seq is not None:
        return row
    event = event_append(kind="opening.objection_answered", actor=actor_of(by), object=lot_object(row.opening.lot),
                         payload={"listing": row.opening.lot.code, "objection_seq": row.seq, "text_sha256": _sha(text)})
    row.answer, row.answered_by, row.answered_at, row.answer_seq = text, by, event.ts, event.seq
    row.save(update_fields=["answer", "answered_by", "answered_at", "answer_seq"])
    changed(row.opening)
    return row
