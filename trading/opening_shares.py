"""Custodians' shares (seal.md §7 step 3), only after `opening.keys_closed`: each arrives wrapped
to the opening worker's key, which checks it against its commitment (a bad one names its
custodian: `opening.share_rejected`), and rebuilds the listing key at k."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

import canonical_json
from accounts.models import User
from audit import clock
from audit.models import Event
from audit.services import SYSTEM, actor_of, event_append
from config.errors import DomainError, NotPermitted
from trading import seal
from trading.models import ListingKey, Opening, ShareFile, ShareSubmission
from trading.opening_events import changed, held, lot_object
from trading.opening_keys import LockChanged


class SharesNotOpen(DomainError):
    code = "shares_not_open"
    message = _("Shares are taken only after the bidders' key window has closed and until the listing key is "
                "rebuilt (the opening is at: %(state)s).")


class ShareRefused(DomainError):
    code = "share_refused"
    message = _("Your share was refused (%(code)s): %(reason)s")


SHARE_REASONS = {
    "SHARE_COMMIT": _("it does not match its published commitment. Check that you used your own share file and "
                      "key file."),
    "SHARE_DUPLICATE": _("this share was already given."),
    "HEADER_INVALID": _("the stanza is malformed."),
}


def share_custodian(share_file: ShareFile) -> str:
    """The custodian's name as the share file and the `listing.key` event spell it."""
    return json.loads(share_file.file_cj)["custodian"]


def _rejected_event(opening: Opening, share_file: ShareFile, by: User | None) -> None:
    event_append(kind="opening.share_rejected", actor=actor_of(by) if by else SYSTEM, object=lot_object(opening.lot),
                 payload={"listing": opening.lot.code, "kind": share_file.listing_key.kind, "x": share_file.x,
                          "custodian": share_custodian(share_file)})


@transaction.atomic
def share_submit(*, opening_id: int, by: User, lock_seq: int, kind: str, x: int,
                 stanza: dict[str, Any]) -> ShareSubmission:
    opening = Opening.objects.select_for_update().select_related("lot").get(pk=opening_id)
    if opening.state != Opening.State.SHARES:
        raise SharesNotOpen(state=opening.get_state_display())
    if opening.lock_seq != lock_seq:
        raise LockChanged()
    share_file = (ShareFile.objects.filter(listing_key__lot=opening.lot, listing_key__kind=kind, x=x)
                  .select_related("listing_key").first())
    if share_file is None or share_file.custodian_id != by.pk:
        raise NotPermitted()
    try:
        seal.parse_stanza(stanza)
    except (seal.SealError, ValueError, TypeError, KeyError):
        raise ShareRefused(code="HEADER_INVALID", reason=SHARE_REASONS["HEADER_INVALID"]) from None
    if ShareSubmission.objects.filter(lock_seq=lock_seq, share_file=share_file,
                                      state=ShareSubmission.State.ACCEPTED).exists():
        raise ShareRefused(code="SHARE_DUPLICATE", reason=SHARE_REASONS["SHARE_DUPLICATE"])
    row = ShareSubmission.objects.create(opening=opening, lock_seq=lock_seq, share_file=share_file,
                                         stanza_cj=canonical_json.dumps(stanza).decode(), submitted_by=by,
                                         submitted_at=clock.now())
    changed(opening, pending="share")
    return row


def share_status(*, pk: int, by: User) -> ShareSubmission:
    row = ShareSubmission.objects.filter(pk=pk).select_related("share_file__listing_key").first()
    if row is None or row.submitted_by_id != by.pk:
        raise NotPermitted()
    return row


# The worker's side ----------------------------------------------------------------------------

def pending_shares(opening: Opening) -> list[ShareSubmission]:
    return list(ShareSubmission.objects.filter(opening=opening, lock_seq=opening.lock_seq,
                                               state=ShareSubmission.State.PENDING)
                .select_related("share_file__listing_key"))


@transaction.atomic
def share_decide(*, submission_id: int, holder: str, lock_seq: int, code: str = "") -> ShareSubmission:
    """`opening.share` for an accepted share (code ""), `opening.share_rejected` otherwise."""
    row = ShareSubmission.objects.select_for_update().select_related("share_file__listing_key").get(pk=submission_id)
    opening = held(row.opening_id, holder, lock_seq)
    if row.state != ShareSubmission.State.PENDING:
        return row
    row.decided_at = clock.now()
    if code:
        row.state, row.code = ShareSubmission.State.REFUSED, code
        _rejected_event(opening, row.share_file, row.submitted_by)
    else:
        event = event_append(kind="opening.share", actor=actor_of(row.submitted_by), object=lot_object(opening.lot),
                             payload={"listing": opening.lot.code, "kind": row.share_file.listing_key.kind,
                                      "x": row.share_file.x, "custodian": share_custodian(row.share_file)})
        row.state, row.seq = ShareSubmission.State.ACCEPTED, event.seq
    row.save(update_fields=["state", "code", "seq", "decided_at"])
    changed(opening)
    return row


@transaction.atomic
def key_rebuilt(*, opening_id: int, holder: str, lock_seq: int, kind: str) -> None:
    opening = held(opening_id, holder, lock_seq)
    event_append(kind="opening.key_rebuilt", actor=SYSTEM, object=lot_object(opening.lot),
                 payload={"listing": opening.lot.code, "kind": kind})
    changed(opening)


def listing_key_event(listing_key: ListingKey) -> dict[str, Any]:
    """The `listing.key` event's payload: the commitments shares are checked against."""
    return canonical_json.loads(Event.objects.get(seq=listing_key.event_seq).payload.encode())


@transaction.atomic
def decrypting_start(*, opening_id: int, holder: str, lock_seq: int) -> Opening:
    opening = held(opening_id, holder, lock_seq)
    opening.state = Opening.State.DECRYPTING
    opening.save(update_fields=["state"])
    changed(opening)
    return opening
