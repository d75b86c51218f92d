"""The opening's end (seal.md §7 step 5): `opening.result` once every envelope is processed, with
each one's code, fault and legal outcome; then the record PDF over a checkpoint that covers
the result, signed (`opening.record`), and the bidders' confirmation window."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import canonical_json
from audit import clock
from audit import keys as platform_keys
from audit.models import Checkpoint
from audit.services import SYSTEM, checkpoint_issue, event_append
from trading import seal
from trading.models import ArchiveKey, KeySubmission, OpenedEnvelope, Opening
from trading.opening_blame import BIDDER, STEP_4, bid_outcome, verdict
from trading.opening_decrypt import Outcome
from trading.opening_events import LockSuperseded, changed, held, lot_object
from trading.opening_lock import fail_lot


def opened_dir(opening: Opening) -> Path:
    return Path(settings.MEDIA_ROOT) / "opened" / opening.lot.code


@transaction.atomic
def opening_result(*, opening_id: int, holder: str, lock_seq: int, outcomes: dict[int, Outcome],
                   archive: list[tuple[int, int, dict[str, Any]]] = (), listing_key_failed: bool = False) -> Opening:
    """Write every envelope's verdict and append `opening.result`, once per opening.

    `outcomes`: opened pk → what decryption found (none for an envelope failed at the lock or
    without K_b); `listing_key_failed`: the remedy window closed without the listing key, so
    every envelope with a K_b fails LISTING_KEY; `archive`:
    (listing key pk, inspector pk, stanza) for each inspector's copy of d.
    """
    opening = held(opening_id, holder, lock_seq)
    if opening.result_seq is not None or opening.state not in (Opening.State.SHARES, Opening.State.DECRYPTING):
        raise LockSuperseded()
    keyed = set(KeySubmission.objects.filter(opening=opening, lock_seq=lock_seq, state=KeySubmission.State.ACCEPTED)
                .values_list("opened_id", flat=True))
    rows = list(OpenedEnvelope.objects.filter(opening=opening).select_related("bid"))
    for opened in rows:
        outcome = outcomes.get(opened.pk)
        code = opened.lock_code or ("NO_BIDDER_KEY" if opened.pk not in keyed else
                                    "LISTING_KEY" if outcome is None else outcome.code)
        # A later RECEIPT_MISMATCH (bytes changed after the lock) is the platform's, like one at the lock.
        fault, result = verdict(code, has_key_receipt=opened.pk in keyed)
        opened.code, opened.fault, opened.outcome = code, fault, result
        if outcome is not None:
            opened.chunk = outcome.chunk
            opened.form_cj = canonical_json.dumps(outcome.form).decode() if outcome.form is not None else ""
            opened.body_sha256 = outcome.body_sha256
            opened.body_path = (f"opened/{opening.lot.code}/{opened.bid.bid_id}-{opened.kind}"
                                if not outcome.code else "")
            opened.k_l = outcome.k_l if outcome.code in STEP_4 and fault == BIDDER else ""
        opened.save()
    results = sorted(({"bid_id": o.bid.bid_id, "kind": o.kind, "code": o.code or None} for o in rows),
                     key=lambda r: (r["bid_id"], r["kind"]))
    event = event_append(kind="opening.result", actor=SYSTEM, object=lot_object(opening.lot),
                         payload={"listing": opening.lot.code, "results": results})
    for listing_key_id, inspector_id, stanza in archive:
        ArchiveKey.objects.create(opening=opening, listing_key_id=listing_key_id, inspector_id=inspector_id,
                                  stanza_cj=canonical_json.dumps(stanza).decode())
    opening.state, opening.result_seq, opening.result_at = Opening.State.RESULT, event.seq, clock.now()
    opening.key_holder = ""  # progress stays: the page shows each envelope's bar at its end
    if listing_key_failed:
        opening.failed_code = "LISTING_KEY"
    opening.save()
    changed(opening)
    return opening


# The record ------------------------------------------------------------------------------------

def _yuan(fen: Any) -> str:
    if not isinstance(fen, int):
        return ""
    return f"{fen // 100:,}.{fen % 100:02d} 元"


def outcome_label(outcome: str) -> str:
    return str(OpenedEnvelope.Outcome(outcome).label)


def price_rows(opening: Opening) -> list[dict[str, Any]]:
    """The read-out (唱标): one row per bid, its form's price, duration and remarks, its outcome."""
    rows: dict[int, dict[str, Any]] = {}
    opened = (OpenedEnvelope.objects.filter(opening=opening)
              .select_related("bid__organisation", "envelope").order_by("bid__organisation__name", "kind"))
    for item in opened:
        row = rows.setdefault(item.bid_id, {
            "bidder": item.bid.organisation.name, "credit_code": item.bid.organisation.credit_code,
            "bid_id": item.bid.bid_id, "price_fen": None, "price": "", "duration": "", "remarks": "",
            "form_code": "", "docs_code": "", "outcomes": [], "hashes": []})
        row[f"{item.kind}_code"] = item.code or "opened"
        row["outcomes"].append(item.outcome)
        row["hashes"].append((item.kind, item.envelope.envelope_sha256, item.receipt_sha256))
        if item.kind == "form" and item.form_cj and item.outcome == "opened":
            form = json.loads(item.form_cj)
            row["price_fen"] = form.get("price_fen")
            row["price"] = _yuan(form.get("price_fen"))
            row["duration"] = f"{form['duration_days']} 天" if isinstance(form.get("duration_days"), int) else ""
            row["remarks"] = str(form.get("remarks", ""))
    for row in rows.values():
        row["outcome"] = bid_outcome(row.pop("outcomes"))
    return list(rows.values())


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def record_data(opening: Opening, checkpoint: Checkpoint) -> dict[str, Any]:
    lot, listing = opening.lot, opening.lot.listing
    rows = price_rows(opening)
    custodians = sorted({s.share_file.custodian.get_full_name() or s.share_file.custodian.username
                         for s in opening.share_submissions.filter(lock_seq=opening.lock_seq, state="accepted")
                         .select_related("share_file__custodian")})
    return {
        "generated_at": clock.format_ts(opening.result_at),
        "center": settings.SUNBID_CENTER_NAME,
        "title": "开标记录表",
        "listing": {"code": listing.code, "title": listing.title, "lot_code": lot.code, "lot_title": lot.title,
                    "tenderer": listing.tenderer.name if listing.tenderer_id else "",
                    "agent": listing.agent.name if listing.agent_id else "",
                    "deadline": _local(listing.deadline), "opened_at": _local(opening.result_at),
                    "budget": _yuan(lot.budget_fen)},
        "checkpoint": checkpoint.note,
        "lock": {"seq": opening.lock_seq, "opening_pk_fingerprint": seal.fingerprint(bytes.fromhex(opening.opening_pk))},
        "rows": [{"no": n, "bidder": r["bidder"], "credit_code": r["credit_code"], "bid_id": r["bid_id"],
                  "price": r["price"], "duration": r["duration"], "remarks": r["remarks"],
                  "form_code": r["form_code"], "docs_code": r["docs_code"],
                  "outcome": outcome_label(r["outcome"]),
                  "envelope_sha256": " ".join(h[1] for h in r["hashes"]),
                  "receipt_sha256": " ".join(h[2] for h in r["hashes"])} for n, r in enumerate(rows, 1)],
        "custodians": custodians,
        "supervisors": [lot.supervisor.get_full_name() or lot.supervisor.username] if lot.supervisor_id else [],
    }


def record_issue(*, opening_id: int) -> Opening:
    """The record PDF over a checkpoint covering the result, signed and chained; once."""
    from trading.opening_pdf import render_opening_record  # fpdf2 and its fonts: the worker's alone

    opening = Opening.objects.select_related("lot__listing").get(pk=opening_id)
    if opening.state != Opening.State.RESULT or opening.record_seq is not None:
        return opening
    checkpoint = checkpoint_issue()  # after `opening.result` committed: it covers it (chain.md §5)
    # Rendered outside the row lock (a second or two): the result it reads is final.
    with translation.override("zh-hans"):  # the record (开标记录表) is a Chinese document
        pdf = render_opening_record(record_data(opening, checkpoint))
    digest = hashlib.sha256(pdf).hexdigest()
    path = opened_dir(opening) / f"record-{opening.attempt}-{digest[:12]}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    with transaction.atomic():
        opening = Opening.objects.select_for_update().select_related("lot__listing").get(pk=opening_id)
        if opening.state != Opening.State.RESULT or opening.record_seq is not None:
            return opening
        sig = seal.sign_record(record_sha256=digest, platform_seed=platform_keys.seed())
        event = event_append(kind="opening.record", actor=SYSTEM, object=lot_object(opening.lot),
                             payload={"listing": opening.lot.code, "record_sha256": digest, "sig": sig})
        opening.record_seq, opening.record_sha256, opening.record_sig = event.seq, digest, sig
        opening.record_path = str(path.relative_to(settings.MEDIA_ROOT))
        opening.record_checkpoint = checkpoint.size
        if opening.failed_code == "LISTING_KEY":
            opening.save()
            fail_lot(opening, code="LISTING_KEY", reason=_remedy(opening))
            return opening
        opening.state = Opening.State.CONFIRMING
        opening.confirm_until = clock.now() + timedelta(minutes=opening.lot.listing.confirmation_window_minutes)
        opening.save()
        changed(opening)
    return opening


def _remedy(opening: Opening) -> str:
    declared = opening.lot.listing.remedy or _(
        "The opening is postponed and the bids are returned unopened; the listing is re-tendered (the bid deadline "
        "is set again and bidders seal again).")
    return _("The listing key could not be rebuilt (LISTING_KEY): fewer than %(k)s custodians gave good shares in "
             "time. Every bid is withdrawn (撤回), not the bidders' fault. Declared remedy: %(remedy)s") % {
        "k": opening.lot.listing.keys_k, "remedy": declared}


@transaction.atomic
def opening_close(*, opening_id: int) -> Opening:
    """When the confirmation window ends: silence counts as confirmation (practice); the
    objections stay with their answers in the record."""
    opening = Opening.objects.select_for_update().select_related("lot").get(pk=opening_id)
    if opening.state != Opening.State.CONFIRMING or clock.now() < opening.confirm_until:
        return opening
    event_append(kind="opening.closed", actor=SYSTEM, object=lot_object(opening.lot),
                 payload={"listing": opening.lot.code})
    opening.state, opening.closed_at = Opening.State.CLOSED, clock.now()
    opening.save(update_fields=["state", "closed_at"])
    changed(opening)
    return opening
