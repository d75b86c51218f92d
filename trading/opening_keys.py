"""The K_b window (seal.md §7 step 2): bidders' signed submissions S with K_b wrapped to the
opening worker, `seal.key` and a key receipt for each accepted one, then `opening.keys_closed`.

The web process checks what it can without K_b (the signature, the header of record, the
window); the worker unwraps K_b in memory and checks its hash against S before `seal.key`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

import canonical_json
from accounts.models import User
from audit import clock
from audit import keys as platform_keys
from audit.services import SYSTEM, actor_of, durable_commit, event_append
from config.errors import DomainError, NotPermitted
from trading import seal
from trading.models import KeySubmission, OpenedEnvelope, Opening
from trading.opening_events import changed, held, lot_object


class KeyRefused(DomainError):
    code = "key_refused"
    message = _("Your key part was refused (%(code)s): %(reason)s Nothing was recorded.")


class WindowClosed(DomainError):
    code = "window_closed"
    message = _("The bidders' key window is not open (the opening is at: %(state)s).")


class LockChanged(DomainError):
    code = "lock_changed"
    http_status = 409
    message = _("The opening was locked again with a new opening key (the declared remedy after a worker "
                "restart). Reload the page and submit your key part again.")


KB_REASONS = {
    "KB_SIGNATURE": _("the submission is not signed by your registered bidder key, or K_b is not the signed one."),
    "NOT_OF_RECORD": _("it is not for your envelope of record in this opening."),
    "HEADER_INVALID": _("the submission or its stanza is malformed."),
}


def _refused(code: str) -> KeyRefused:
    return KeyRefused(code=code, reason=KB_REASONS.get(code, ""))


def _current(opening_id: int, lock_seq: int) -> Opening:
    opening = Opening.objects.select_for_update().select_related("lot").get(pk=opening_id)
    if opening.state != Opening.State.KEYS or clock.now() >= opening.keys_close_at:
        raise WindowClosed(state=opening.get_state_display())
    if opening.lock_seq != lock_seq:
        raise LockChanged()
    return opening


@transaction.atomic
def key_submit(*, opening_id: int, by: User, lock_seq: int, submission: dict[str, Any],
               stanza: dict[str, Any]) -> KeySubmission:
    """A bidder's part for one of its envelopes of record; the worker decides it next."""
    opening = _current(opening_id, lock_seq)
    if by.role != User.Role.BIDDER or by.organisation_id is None:
        raise NotPermitted()
    if not isinstance(submission, dict) or not isinstance(stanza, dict):
        raise _refused("HEADER_INVALID")
    opened = (OpenedEnvelope.objects.filter(opening=opening, bid__organisation_id=by.organisation_id,
                                            kind=submission.get("kind"))
              .select_related("envelope__bidder_key", "bid").first())
    if opened is None:
        raise _refused("NOT_OF_RECORD")
    try:
        value = seal.verify_submission(submission, bidder_pk=bytes.fromhex(opened.envelope.bidder_key.public_key))
        seal.parse_stanza(stanza)
    except (seal.SealError, ValueError, TypeError, KeyError) as e:
        raise _refused(getattr(e, "code", "HEADER_INVALID")) from None
    if (value["listing"], value["bid_id"], value["header_sha256"]) != (
            opening.lot.code, opened.bid.bid_id, opened.envelope.header_sha256):
        raise _refused("NOT_OF_RECORD")
    row = KeySubmission.objects.create(
        opening=opening, lock_seq=lock_seq, opened=opened, submission_cj=canonical_json.dumps(value).decode(),
        stanza_cj=canonical_json.dumps(stanza).decode(), submitted_by=by, submitted_at=clock.now())
    changed(opening, pending="key")
    return row


def key_status(*, pk: int, by: User) -> KeySubmission:
    row = KeySubmission.objects.filter(pk=pk).select_related("opened__bid").first()
    if row is None or row.submitted_by_id != by.pk:
        raise NotPermitted()
    return row


# The worker's side ----------------------------------------------------------------------------

def pending_keys(opening: Opening) -> list[KeySubmission]:
    return list(KeySubmission.objects.filter(opening=opening, lock_seq=opening.lock_seq, state=KeySubmission.State.PENDING)
                .select_related("opened__envelope__bidder_key"))


@transaction.atomic
def key_decide(*, submission_id: int, holder: str, lock_seq: int, accepted: bool, code: str = "") -> KeySubmission:
    """Accepted: `seal.key` (S, never K_b) and the key receipt; refused: its code, nothing chained."""
    durable_commit()  # the key receipt leaves the platform
    row = KeySubmission.objects.select_for_update().select_related("opened").get(pk=submission_id)
    opening = held(row.opening_id, holder, lock_seq)
    if row.state != KeySubmission.State.PENDING:
        return row
    row.decided_at = clock.now()
    already = KeySubmission.objects.filter(lock_seq=lock_seq, opened=row.opened,
                                           state=KeySubmission.State.ACCEPTED).exists()
    if not accepted or already:
        row.state, row.code = KeySubmission.State.REFUSED, code or "KB_DUPLICATE"
        row.save(update_fields=["state", "code", "decided_at"])
        changed(opening)
        return row
    value = json.loads(row.submission_cj)
    event = event_append(kind="seal.key", actor=actor_of(row.submitted_by), object=lot_object(opening.lot),
                         payload=value)
    receipt = seal.make_receipt(type="key", event_payload=value, received_at=event.ts, audit_seq=event.seq,
                                platform_seed=platform_keys.seed(), key_name=platform_keys.origin())
    row.state, row.seq, row.receipt_cj = KeySubmission.State.ACCEPTED, event.seq, canonical_json.dumps(receipt).decode()
    row.save(update_fields=["state", "seq", "receipt_cj", "decided_at"])
    changed(opening)
    return row


@transaction.atomic
def keys_close(*, opening_id: int, holder: str, lock_seq: int) -> Opening:
    """`opening.keys_closed` with the envelopes that have no accepted K_b (NO_BIDDER_KEY)."""
    opening = held(opening_id, holder, lock_seq)
    if opening.state != Opening.State.KEYS:
        return opening
    have = set(KeySubmission.objects.filter(lock_seq=lock_seq, opening=opening, state=KeySubmission.State.ACCEPTED)
               .values_list("opened_id", flat=True))
    missing = [[o.bid.bid_id, o.kind] for o in OpenedEnvelope.objects.filter(opening=opening).select_related("bid")
               if o.pk not in have]
    event = event_append(kind="opening.keys_closed", actor=SYSTEM, object=lot_object(opening.lot),
                         payload={"listing": opening.lot.code, "missing": sorted(missing)})
    opening.state, opening.keys_closed_seq = Opening.State.SHARES, event.seq
    opening.shares_close_at = clock.now() + timedelta(minutes=opening.lot.listing.bidder_key_window_minutes)
    opening.save(update_fields=["state", "keys_closed_seq", "shares_close_at"])
    changed(opening)
    return opening
