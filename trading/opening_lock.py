"""The opening's start (seal.md §7 step 1): an `Opening` per lot at the deadline, the count
check, and `opening.lock` with the envelopes of record, each checked against its receipt.

The lock is made by the opening worker, which alone knows the one-time key it names; a new
worker (the last one died, and its key with it) locks again with a new key and the
collection starts over, as the notice's remedy declares.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

import canonical_json
from audit import clock
from audit import keys as platform_keys
from audit.models import Cosignature, Event
from audit.services import SYSTEM, event_append
from trading import bids, rule_values, seal
from trading.models import Envelope, ListingKey, Lot, OpenedEnvelope, Opening
from trading.opening_events import LockSuperseded, changed, lot_object
from trading.services import procedure

# §7 step 1's failures: the platform receipted what it cannot stand behind (撤回).
LOCK_CODES = ("RECEIPT_INVALID", "NOT_OF_RECORD", "RECEIPT_MISMATCH", "HEADER_INVALID", "WRONG_RECIPIENT")


def openings_prepare(lot: Lot, deadline_seq: int) -> Opening:
    """At the deadline, in the chronograph's transaction: the envelopes of record are the
    current ones (the deadline event took the listing lock, so none can change now). Fewer
    bids than the rule's minimum: no opening, the lot fails (TR Art. 44)."""
    opening = Opening.objects.create(lot=lot, deadline_seq=deadline_seq)
    current = list(Envelope.objects.filter(bid__lot=lot, state=Envelope.State.CURRENT).select_related("bid"))
    for envelope in current:
        OpenedEnvelope.objects.create(opening=opening, envelope=envelope, bid=envelope.bid, kind=envelope.kind,
                                      receipt_sha256=hashlib.sha256(envelope.receipt_cj.encode()).hexdigest())
    rule = procedure(lot.listing.kind, lot.listing.method).min_bids
    if rule is not None:
        needed = rule_values.value(rule, lot.listing.rules_in_force)
        received = len({envelope.bid_id for envelope in current})
        if received < needed:
            reason = _("Too few bids received (%(received)s): %(rule)s No opening.") % {
                "received": received, "rule": rule_values.describe(rule, lot.listing.rules_in_force)}
            fail_lot(opening, code="TOO_FEW_BIDS", reason=reason, needed=needed)
    return opening


def deadline_cosigned(opening: Opening) -> int | None:
    """The first checkpoint covering the lot's `listing.deadline` that its supervisor cosigned
    (chain.md §5): the lock waits for it."""
    return (Cosignature.objects.filter(checkpoint__size__gte=opening.deadline_seq, cosigner_id=opening.lot.supervisor_id)
            .order_by("checkpoint__size").values_list("checkpoint__size", flat=True).first())


def fail_lot(opening: Opening, *, code: str, reason: str, **payload) -> None:
    """The lot fails at its opening (no opening, or the listing key cannot be rebuilt)."""
    lot = opening.lot
    opening.state, opening.failed_code, opening.failed_reason = Opening.State.FAILED, code, reason
    opening.save(update_fields=["state", "failed_code", "failed_reason"])
    lot.status, lot.failed_reason = Lot.LotStatus.FAILED, reason
    lot.save(update_fields=["status", "failed_reason"])
    event_append(kind="lot.failed", actor=SYSTEM, object=lot_object(lot),
                 payload={"listing": lot.code, "code": code, **payload})
    changed(opening)


def _lock_code(opened: OpenedEnvelope, keys: dict[str, bytes]) -> str:
    """§7 step 1 (a)–(c) for one envelope of record: "" or its code."""
    envelope, bid = opened.envelope, opened.bid
    path = Path(settings.MEDIA_ROOT) / envelope.path
    receipt = envelope.receipt_cj.encode()
    try:
        value = seal.verify_receipt(receipt, platform_pk=platform_keys.public_key(), key_name=platform_keys.origin())
        event = Event.objects.filter(seq=envelope.seq, kind="seal.received").first()
        if (event is None or value["audit_seq"] != envelope.seq
                or canonical_json.loads(event.payload.encode()) != seal.receipt_event_payload(value)):
            return "RECEIPT_INVALID"
        with path.open("rb") as stream:
            seal.check_stored_envelope(
                envelope=stream, receipt=receipt, platform_pk=platform_keys.public_key(),
                key_name=platform_keys.origin(), listing=opened.opening.lot.code,
                bidder=bids.bidder_id(bid.organisation), bid_id=bid.bid_id, kind=opened.kind,
                listing_pk=keys[opened.kind], bidder_pk=bytes.fromhex(envelope.bidder_key.public_key))
    except FileNotFoundError:
        return "RECEIPT_MISMATCH"
    except seal.SealError as e:
        return e.code
    return ""


def lock_checks(opening: Opening) -> dict[int, str]:
    """Run outside any transaction (it reads every envelope): opened pk → its step 1 code."""
    keys = {key.kind: bytes.fromhex(key.public_key) for key in ListingKey.objects.filter(lot=opening.lot)}
    rows = (OpenedEnvelope.objects.filter(opening=opening)
            .select_related("envelope__bidder_key", "bid__organisation", "opening__lot"))
    return {opened.pk: _lock_code(opened, keys) for opened in rows}


@transaction.atomic
def opening_lock(*, opening_id: int, holder: str, opening_pk: bytes, codes: dict[int, str]) -> Opening:
    """Append `opening.lock` under this worker's key; a relock starts the collection over."""
    opening = Opening.objects.select_for_update().select_related("lot__listing").get(pk=opening_id)
    if opening.holder != holder or opening.state not in (
            Opening.State.LOCKING, Opening.State.KEYS, Opening.State.SHARES, Opening.State.DECRYPTING):
        raise LockSuperseded()
    rows = list(OpenedEnvelope.objects.filter(opening=opening).select_related("envelope", "bid"))
    for opened in rows:
        opened.lock_code = codes.get(opened.pk, "")
        opened.save(update_fields=["lock_code"])
    listed = [{"bid_id": o.bid.bid_id, "kind": o.kind, "seq": o.envelope.seq,
               "header_sha256": o.envelope.header_sha256} for o in rows]
    event = event_append(kind="opening.lock", actor=SYSTEM, object=lot_object(opening.lot),
                         payload={"listing": opening.lot.code, "opening_pk": opening_pk.hex(), "envelopes": listed})
    now = clock.now()
    opening.state, opening.lock_seq, opening.opening_pk = Opening.State.KEYS, event.seq, opening_pk.hex()
    opening.key_holder, opening.locked_at, opening.attempt = holder, now, opening.attempt + 1
    opening.keys_close_at = now + timedelta(minutes=opening.lot.listing.bidder_key_window_minutes)
    opening.keys_closed_seq, opening.shares_close_at, opening.progress = None, None, {}
    opening.save()
    changed(opening)
    return opening
