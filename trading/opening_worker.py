"""The opening worker (seal.md §7), a process of its own (`manage.py opening_worker`).

It alone ever holds key material in the clear, and only in memory: for each opening it makes a
one-time P-256 key, locks the opening under it, unwraps the bidders' K_b and the custodians'
shares sent to it, rebuilds the listing keys, decrypts every envelope in parallel, and gives
inspectors d wrapped to their archive keys; then it forgets all of it. If it dies, its key
dies with it: its hold (a lease renewed on every pass, by the system clock) lapses, and the
next worker locks the opening again under a new key, and the collection starts over.

Every write goes through the opening services, which check under the opening's row lock that
this worker still holds it under the same lock, so a worker that was paused and lost its hold
can never write a result or a record twice.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import PublicKey, User
from audit import clock
from audit.models import Checkpoint
from audit.services import actor_of, checkpoint_issue
from config.realtime import broadcast
from trading import seal
from trading.models import ListingKey, OpenedEnvelope, Opening
from trading.opening_decrypt import Job, Outcome, decrypt_all
from trading.opening_events import LockSuperseded, group
from trading.opening_keys import key_decide, keys_close, pending_keys
from trading.opening_lock import deadline_cosigned, lock_checks, opening_lock
from trading.opening_result import opened_dir, opening_close, opening_result, record_issue
from trading.opening_shares import (decrypting_start, key_rebuilt, listing_key_event, pending_shares, share_custodian,
                                    share_decide)

log = logging.getLogger(__name__)

ACTIVE = (Opening.State.COSIGN, Opening.State.LOCKING, Opening.State.KEYS, Opening.State.SHARES,
          Opening.State.DECRYPTING, Opening.State.RESULT, Opening.State.CONFIRMING)
KEYED = (Opening.State.KEYS, Opening.State.SHARES, Opening.State.DECRYPTING)


@dataclass
class Session:
    """What this worker holds for one opening under one lock: never written anywhere."""

    lock_seq: int
    opening_sk: bytes
    k_b: dict[int, bytes] = field(default_factory=dict)  # opened envelope pk → K_b
    collectors: dict[str, seal.ShareCollector] = field(default_factory=dict)
    listing_keys: dict[str, bytes] = field(default_factory=dict)  # kind → d
    needed: set[str] = field(default_factory=set)
    decrypting: threading.Thread | None = None
    outcomes: list[Outcome] | None = None
    failure: BaseException | None = None
    progress: dict[int, int] = field(default_factory=dict)
    progress_sent: dict[int, int] = field(default_factory=dict)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class OpeningWorker:
    def __init__(self, holder: str | None = None, lease_seconds: float | None = None) -> None:
        self.holder = holder or holder_name()
        self.lease = timedelta(seconds=lease_seconds or settings.OPENING_LEASE_SECONDS)
        self.sessions: dict[int, Session] = {}

    # The loop ----------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        log.info("opening worker %s started", self.holder)
        while not stop.is_set():
            self.step()
            stop.wait(settings.OPENING_POLL_SECONDS)
        self.sessions.clear()
        Opening.objects.filter(holder=self.holder).update(lease_until=timezone.now())

    def step(self) -> None:
        held = self._acquire()
        for pk in list(self.sessions):
            if pk not in held:
                self._forget(pk)  # another worker holds it now: our key is worthless
        for pk in held:
            try:
                self._advance(pk)
            except LockSuperseded:
                self._forget(pk)
            except Exception:
                log.exception("opening %s: step failed; retrying on the next pass", pk)

    def _acquire(self) -> list[int]:
        now = timezone.now()
        (Opening.objects.filter(state__in=ACTIVE)
         .filter(Q(holder=self.holder) | Q(holder="") | Q(lease_until__lt=now) | Q(lease_until__isnull=True))
         .update(holder=self.holder, lease_until=now + self.lease))
        return list(Opening.objects.filter(holder=self.holder, state__in=ACTIVE).values_list("pk", flat=True))

    def _forget(self, pk: int) -> None:
        self.sessions.pop(pk, None)

    def _advance(self, pk: int) -> None:
        opening = Opening.objects.select_related("lot__listing", "lot__supervisor").get(pk=pk)
        state = opening.state
        if state == Opening.State.COSIGN:
            self._await_cosignature(opening)
        elif state == Opening.State.LOCKING:
            self._lock(opening)
        elif state in KEYED:
            session = self.sessions.get(pk)
            if session is None or opening.key_holder != self.holder or session.lock_seq != opening.lock_seq:
                self._lock(opening)  # the declared remedy: a new key, a new lock, collect again
            elif state == Opening.State.KEYS:
                self._keys(opening, session)
            elif state == Opening.State.SHARES:
                self._shares(opening, session)
            else:
                self._decrypting(opening, session)
        elif state == Opening.State.RESULT:
            record_issue(opening_id=pk)
        elif state == Opening.State.CONFIRMING:
            opening_close(opening_id=pk)

    # §7 step 1 ---------------------------------------------------------------------------------

    def _await_cosignature(self, opening: Opening) -> None:
        """The lock waits for the lot's supervisor to cosign a checkpoint covering the deadline."""
        if not Checkpoint.objects.filter(size__gte=opening.deadline_seq).exists():
            checkpoint_issue()
            return
        cosigned = deadline_cosigned(opening)
        if cosigned is None:
            return
        updated = Opening.objects.filter(pk=opening.pk, holder=self.holder, state=Opening.State.COSIGN).update(
            state=Opening.State.LOCKING, cosigned_checkpoint=cosigned)
        if updated:
            opening.refresh_from_db()
            self._lock(opening)

    def _lock(self, opening: Opening) -> None:
        self._forget(opening.pk)
        opening_sk, opening_pk = seal.new_key_pair()
        codes = lock_checks(opening)
        locked = opening_lock(opening_id=opening.pk, holder=self.holder, opening_pk=opening_pk, codes=codes)
        self.sessions[opening.pk] = Session(lock_seq=locked.lock_seq, opening_sk=opening_sk)
        log.info("opening %s locked at seq %s (attempt %s)", opening.pk, locked.lock_seq, locked.attempt)

    # §7 step 2 ---------------------------------------------------------------------------------

    def _keys(self, opening: Opening, session: Session) -> None:
        pending = pending_keys(opening)
        for row in pending:
            submission = json.loads(row.submission_cj)
            try:
                k_b = seal.kb_from_opening(stanza=json.loads(row.stanza_cj), submission=submission,
                                           opening_sk=session.opening_sk)
                seal.verify_submission(submission, bidder_pk=bytes.fromhex(row.opened.envelope.bidder_key.public_key),
                                       k_b=k_b)
            except seal.SealError as e:
                key_decide(submission_id=row.pk, holder=self.holder, lock_seq=session.lock_seq, accepted=False,
                           code=e.code)
                continue
            decided = key_decide(submission_id=row.pk, holder=self.holder, lock_seq=session.lock_seq, accepted=True)
            if decided.state == decided.State.ACCEPTED:
                session.k_b[row.opened_id] = k_b
        if not pending and clock.now() >= opening.keys_close_at:
            keys_close(opening_id=opening.pk, holder=self.holder, lock_seq=session.lock_seq)

    # §7 step 3 ---------------------------------------------------------------------------------

    def _shares(self, opening: Opening, session: Session) -> None:
        if not session.collectors:
            for key in ListingKey.objects.filter(lot=opening.lot):
                session.collectors[key.kind] = seal.ShareCollector(listing_key_event(key))
            session.needed = set(OpenedEnvelope.objects.filter(opening=opening, pk__in=list(session.k_b), lock_code="")
                                 .values_list("kind", flat=True))
        for row in pending_shares(opening):
            share_file, kind = row.share_file, row.share_file.listing_key.kind
            code = ""
            try:
                y = seal.share_from_opening(stanza=json.loads(row.stanza_cj), x=share_file.x,
                                            custodian=share_custodian(share_file), kind=kind,
                                            listing=opening.lot.code, opening_sk=session.opening_sk)
                session.collectors[kind].add(x=share_file.x, y=y)
            except seal.SealError as e:
                code = e.code
            share_decide(submission_id=row.pk, holder=self.holder, lock_seq=session.lock_seq, code=code)
            collector = session.collectors[kind]
            if not code and kind not in session.listing_keys and len(collector.accepted) >= collector.k:
                session.listing_keys[kind] = collector.rebuild()
        if session.needed <= set(session.listing_keys):
            # `opening.key_rebuilt` after every `opening.share` (seal.md §7 order): a kind
            # rebuilt early is announced with the others, when the shares are over.
            for kind in sorted(session.listing_keys):
                key_rebuilt(opening_id=opening.pk, holder=self.holder, lock_seq=session.lock_seq, kind=kind)
            decrypting_start(opening_id=opening.pk, holder=self.holder, lock_seq=session.lock_seq)
            self._start_decrypting(opening, session)
        elif clock.now() >= opening.shares_close_at:
            # LISTING_KEY is final: the notice's remedy applies to every bid.
            opening_result(opening_id=opening.pk, holder=self.holder, lock_seq=session.lock_seq, outcomes={},
                           listing_key_failed=True)
            self._forget(opening.pk)

    # §7 steps 4 and 5 --------------------------------------------------------------------------

    def _start_decrypting(self, opening: Opening, session: Session) -> None:
        out = opened_dir(opening)
        out.mkdir(parents=True, exist_ok=True)
        rows = (OpenedEnvelope.objects.filter(opening=opening, pk__in=list(session.k_b), lock_code="")
                .select_related("envelope", "bid"))
        jobs = [Job(index=o.pk, path=str(Path(settings.MEDIA_ROOT) / o.envelope.path),
                    out_path=str(out / f"{o.bid.bid_id}-{o.kind}"), envelope_sha256=o.envelope.envelope_sha256,
                    size=o.envelope.envelope_size, d=session.listing_keys[o.kind], k_b=session.k_b[o.pk])
                for o in rows]

        def on_progress(index: int, more: int) -> None:
            session.progress[index] = session.progress.get(index, 0) + more

        def work() -> None:
            try:
                session.outcomes = decrypt_all(jobs, on_progress)
            except BaseException as e:  # noqa: BLE001 - reported by the loop
                session.failure = e

        session.decrypting = threading.Thread(target=work, name=f"decrypt-{opening.pk}", daemon=True)
        session.decrypting.start()

    def _decrypting(self, opening: Opening, session: Session) -> None:
        if session.decrypting is None:
            self._start_decrypting(opening, session)
            return
        alive = session.decrypting.is_alive()
        self._send_progress(opening, session)  # after the check: a finished job's last bytes too
        if alive:
            return
        if session.failure is not None:
            log.error("opening %s: decryption failed: %r; locking again", opening.pk, session.failure)
            self._lock(opening)
            return
        outcomes = {outcome.index: outcome for outcome in session.outcomes or []}
        opening_result(opening_id=opening.pk, holder=self.holder, lock_seq=session.lock_seq, outcomes=outcomes,
                       archive=self._archive(opening, session))
        self._forget(opening.pk)  # d, K_b and the opening key are gone with the session
        record_issue(opening_id=opening.pk)

    def _send_progress(self, opening: Opening, session: Session) -> None:
        snapshot = dict(session.progress)
        if snapshot == session.progress_sent:
            return
        session.progress_sent = snapshot
        progress = {str(pk): done for pk, done in snapshot.items()}
        Opening.objects.filter(pk=opening.pk, holder=self.holder).update(progress=progress)
        broadcast(group(opening.lot_id), {"type": "opening.progress", "progress": progress})

    def _archive(self, opening: Opening, session: Session) -> list[tuple[int, int, dict]]:
        """d for each inspector with an archive key, wrapped to it (§7 step 5)."""
        keys = {key.kind: key for key in ListingKey.objects.filter(lot=opening.lot)}
        archive = []
        inspectors = PublicKey.objects.filter(purpose=PublicKey.Purpose.ARCHIVE, owner__role=User.Role.INSPECTOR,
                                              owner__is_active=True, replaced_at__isnull=True).select_related("owner")
        for archive_key in inspectors:
            for kind, d in session.listing_keys.items():
                stanza = seal.key_to_archive(listing_sk=d, inspector=actor_of(archive_key.owner),
                                             inspector_pk=bytes.fromhex(archive_key.public_key), kind=kind,
                                             listing=opening.lot.code)
                archive.append((keys[kind].pk, archive_key.owner_id, stanza.as_json()))
        return archive
