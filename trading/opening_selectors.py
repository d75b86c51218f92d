"""What the opening page shows each viewer (seal.md §7): the steps and their countdowns, who is
present, the envelopes of record with their receipts, the viewer's own part to play, and,
only once `opening.result` exists, the codes, outcomes and prices."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

from accounts.models import User
from audit import clock
from audit import keys as platform_keys
from audit.models import Checkpoint
from config.errors import NotPermitted
from trading import bids, seal
from trading.models import (ArchiveKey, Attendance, KeySubmission, Lot, OpenedEnvelope, Opening, RecordResponse,
                            Registration, ShareFile, ShareSubmission, Withdrawal)
from trading.opening_lock import deadline_cosigned
from trading.opening_responses import may_answer
from trading.opening_result import outcome_label, price_rows

STEPS = [Opening.State.COSIGN, Opening.State.LOCKING, Opening.State.KEYS, Opening.State.SHARES,
         Opening.State.DECRYPTING, Opening.State.RESULT, Opening.State.CONFIRMING, Opening.State.CLOSED]
AFTER_RESULT = (Opening.State.RESULT, Opening.State.CONFIRMING, Opening.State.CLOSED)


def may_attend(user: User, lot: Lot) -> bool:
    """The lot's bidders, the listing's agent, staff, supervisors and inspectors."""
    if not user.is_authenticated:
        return False
    if user.role in (User.Role.STAFF, User.Role.SUPERVISOR, User.Role.INSPECTOR):
        return True
    if user.role == User.Role.AGENT:
        return user.organisation_id is not None and user.organisation_id == lot.listing.agent_id
    if user.role == User.Role.BIDDER:
        return Registration.objects.filter(lot=lot, organisation_id=user.organisation_id).exists()
    return False


def opening_for(lot: Lot, user: User) -> Opening:
    if not may_attend(user, lot):
        raise NotPermitted()
    opening = Opening.objects.filter(lot=lot).select_related("lot__listing", "lot__supervisor").first()
    if opening is None:
        raise NotPermitted()
    return opening


def _ms(value) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def _cosign(opening: Opening, user: User) -> dict[str, Any]:
    latest = Checkpoint.objects.order_by("-size").first()
    covering = latest if latest and latest.size >= opening.deadline_seq else None
    data = {"deadline_seq": opening.deadline_seq, "checkpoint": covering.size if covering else None,
            "cosigned": deadline_cosigned(opening) is not None,
            "supervisor": opening.lot.supervisor.display_name if opening.lot.supervisor_id else ""}
    if covering and user.pk == opening.lot.supervisor_id and not data["cosigned"]:
        page = reverse("trading:opening", args=[opening.lot_id])
        data["cosign_url"] = reverse("audit:cosign", args=[covering.size]) + f"?next={page}"
    return data


def _envelopes(opening: Opening, show_result: bool) -> list[dict[str, Any]]:
    keyed = set(KeySubmission.objects.filter(opening=opening, lock_seq=opening.lock_seq or 0,
                                             state=KeySubmission.State.ACCEPTED).values_list("opened_id", flat=True))
    rows = []
    for opened in (OpenedEnvelope.objects.filter(opening=opening)
                   .select_related("bid__organisation", "envelope").order_by("envelope__seq")):
        row = {"id": opened.pk, "bidder": opened.bid.organisation.name, "bid_id": opened.bid.bid_id,
               "kind": opened.kind, "seq": opened.envelope.seq, "header_sha256": opened.envelope.header_sha256,
               "envelope_sha256": opened.envelope.envelope_sha256, "receipt_sha256": opened.receipt_sha256,
               "size": opened.envelope.envelope_size, "key_in": opened.pk in keyed,
               "done": int(opening.progress.get(str(opened.pk), 0)), "total": 2 * opened.envelope.envelope_size}
        if show_result:
            row.update({"code": opened.code, "chunk": opened.chunk, "fault": opened.fault,
                        "outcome": opened.outcome, "outcome_text": outcome_label(opened.outcome)})
        rows.append(row)
    return rows


def _bidder_part(opening: Opening, user: User) -> dict[str, Any] | None:
    if user.role != User.Role.BIDDER:
        return None
    mine = list(OpenedEnvelope.objects.filter(opening=opening, bid__organisation_id=user.organisation_id)
                .select_related("envelope", "bid"))
    if not mine:
        return {"envelopes": []}
    bid = mine[0].bid
    receipts = [json.loads(e.receipt_cj) for e in bid.envelopes.all()]
    receipts += [json.loads(w.receipt_cj) for w in Withdrawal.objects.filter(bid=bid)]
    submissions = {s.opened_id: s for s in KeySubmission.objects.filter(
        opening=opening, lock_seq=opening.lock_seq or 0, opened__in=mine).order_by("pk")}
    envelopes = []
    for opened in mine:
        submitted = submissions.get(opened.pk)
        envelopes.append({
            "kind": opened.kind, "header": opened.envelope.header, "header_sha256": opened.envelope.header_sha256,
            "submission": submitted and {"id": submitted.pk, "state": submitted.state, "code": submitted.code,
                                         "receipt": json.loads(submitted.receipt_cj) if submitted.receipt_cj else None},
            "k_l": opened.k_l if opening.state in AFTER_RESULT else "",
            "code": opened.code if opening.state in AFTER_RESULT else ""})
    return {"bidder": bids.bidder_id(bid.organisation), "bid_id": bid.bid_id, "receipts": receipts,
            "envelopes": envelopes}


def _custodian_part(opening: Opening, user: User) -> list[dict[str, Any]]:
    files = ShareFile.objects.filter(custodian=user, listing_key__lot=opening.lot).select_related("listing_key")
    submitted = {s.share_file_id: s for s in ShareSubmission.objects.filter(
        opening=opening, lock_seq=opening.lock_seq or 0, submitted_by=user).order_by("pk")}
    parts = []
    for share_file in files:
        row = submitted.get(share_file.pk)
        parts.append({"kind": share_file.listing_key.kind, "x": share_file.x, "commit": share_file.commit,
                      "file": json.loads(share_file.file_cj),
                      "submission": row and {"id": row.pk, "state": row.state, "code": row.code}})
    return parts


def _shares_overview(opening: Opening) -> list[dict[str, Any]]:
    rows = ShareSubmission.objects.filter(opening=opening, lock_seq=opening.lock_seq or 0).select_related(
        "share_file__listing_key", "share_file__custodian")
    return [{"kind": r.share_file.listing_key.kind, "x": r.share_file.x, "custodian": r.share_file.custodian.display_name,
             "state": r.state, "code": r.code} for r in rows]


def _responses(opening: Opening, user: User) -> list[dict[str, Any]]:
    answer = may_answer(user, opening)
    return [{"id": r.pk, "kind": r.kind, "bidder": r.organisation.name, "text": r.text, "at": _ms(r.at),
             "answer": r.answer, "answered_at": _ms(r.answered_at), "can_answer": answer and not r.answer_seq
             and r.kind == RecordResponse.Kind.OBJECT}
            for r in RecordResponse.objects.filter(opening=opening).select_related("organisation")]


def opening_state(lot: Lot, user: User) -> dict[str, Any]:
    opening = opening_for(lot, user)
    show_result = opening.state in AFTER_RESULT or (opening.state == Opening.State.FAILED and opening.result_seq)
    bidder = _bidder_part(opening, user)
    state: dict[str, Any] = {
        "lot": lot.code, "state": opening.state, "state_label": opening.get_state_display(),
        "steps": [{"state": s.value, "label": s.label} for s in STEPS],
        "now": _ms(clock.now()), "attempt": opening.attempt, "lock_seq": opening.lock_seq,
        "opening_pk": opening.opening_pk,
        "opening_fp": seal.fingerprint(bytes.fromhex(opening.opening_pk)) if opening.opening_pk else "",
        "keys_close_at": _ms(opening.keys_close_at), "shares_close_at": _ms(opening.shares_close_at),
        "confirm_until": _ms(opening.confirm_until), "failed": {"code": opening.failed_code,
                                                                "reason": opening.failed_reason},
        "cosign": _cosign(opening, user), "envelopes": _envelopes(opening, bool(show_result)),
        "present": [{"name": a.user.display_name, "role": a.user.get_role_display()}
                    for a in Attendance.objects.filter(opening=opening, connections__gt=0).select_related("user")],
        "shares": _shares_overview(opening), "platform_pk": platform_keys.public_key().hex(),
        "key_name": platform_keys.origin(), "me": {"role": user.role},
        "bidder": bidder, "custodian": _custodian_part(opening, user),
        "responses": _responses(opening, user),
        "can_respond": bool(opening.state == Opening.State.CONFIRMING and bidder and bidder["envelopes"]),
    }
    if show_result:
        state["prices"] = [{k: v for k, v in row.items() if k != "hashes"} for row in price_rows(opening)]
        for row in state["prices"]:
            row["outcome_text"] = outcome_label(row["outcome"])
    if opening.record_seq:
        state["record"] = {"url": reverse("trading:opening_record", args=[lot.pk]), "sha256": opening.record_sha256,
                           "sig": opening.record_sig, "seq": opening.record_seq,
                           "checkpoint": opening.record_checkpoint}
    if user.role == User.Role.INSPECTOR and opening.result_seq:
        state["archive"] = [{"kind": a.listing_key.kind, "stanza": json.loads(a.stanza_cj)}
                            for a in ArchiveKey.objects.filter(opening=opening, inspector=user).select_related("listing_key")]
    return state
