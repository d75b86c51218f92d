"""A whole opening in one test: a sealed tender with bidders and their receipted envelopes, the
deadline passed on a travelling clock, the supervisor's cosignature, and the opening worker
stepped in-process. Bidders and custodians act as the opening page's script does: K_b and
shares wrapped to the worker's one-time key, never sent in the clear."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from accounts.models import User
from audit import keys as platform_keys
from tests.accounts.factories import PRIVATE_KEYS, UserFactory
from tests.experts.factories import Supervisor
from tests.trading.factories import draft, publish
from tests.trading.sealing import Bidder, seal_body, seal_form, signed_up_bidder, upload
from tests.trading.test_views_support import working_days_ahead
from trading import chronograph, seal, services
from trading.models import Envelope, Lot, Opening, ShareFile
from trading.opening_keys import key_submit
from trading.opening_shares import share_submit
from trading.opening_worker import OpeningWorker


def form_of(who: Bidder, price_fen: int) -> dict:
    return {"bid_id": who.bid.bid_id, "listing": who.lot.code, "price_fen": price_fen, "duration_days": 180,
            "remarks": "含税"}


@dataclass
class Scene:
    lot: Lot
    supervisor: Supervisor
    staff: User
    bidders: list[Bidder]
    clock: object  # time_machine's traveller
    worker: OpeningWorker = field(default_factory=lambda: OpeningWorker(holder="test-worker-1"))

    @property
    def opening(self) -> Opening:
        return Opening.objects.get(lot=self.lot)

    def shift(self, **delta) -> None:
        self.clock.shift(timedelta(**delta))

    def step(self, times: int = 1, worker: OpeningWorker | None = None) -> Opening:
        for _ in range(times):
            (worker or self.worker).step()
        return self.opening

    def until(self, *states: str, limit: int = 400, worker: OpeningWorker | None = None) -> Opening:
        import time

        for _ in range(limit):
            opening = self.step(worker=worker)
            if opening.state in states:
                return opening
            time.sleep(0.02)
        raise AssertionError(f"the opening stayed at {opening.state}")

    # Actors ----------------------------------------------------------------------------------

    def cosign(self) -> None:
        from audit.models import Checkpoint

        self.supervisor.cosign(Checkpoint.objects.order_by("-size").first().size)

    def part(self, who: Bidder, kind: str = "form", *, k_b: bytes | None = None) -> tuple[dict, dict]:
        """(submission, stanza) as the page's `unwrap` makes them; `k_b` forces another K_b, signed."""
        opening = self.opening
        envelope = Envelope.objects.get(bid=who.bid, kind=kind, state=Envelope.State.CURRENT)
        header = seal.parse_header(envelope.header.encode())
        made = seal.unwrap_for_opening(header=header, receipts=[envelope.receipt_cj.encode()], listing=self.lot.code,
                                       platform_pk=platform_keys.public_key(), key_name=platform_keys.origin(),
                                       bidder_sk=who.sk, opening_pk=bytes.fromhex(opening.opening_pk))
        if k_b is None:
            return made["submission"], made["stanza"]
        submission = seal.make_submission(header=header, k_b=k_b, bidder_sk=who.sk)
        stanza = seal.kb_to_opening(k_b=k_b, submission=submission, opening_pk=bytes.fromhex(opening.opening_pk))
        return submission, stanza.as_json()

    def submit_part(self, who: Bidder, kind: str = "form", **kwargs):
        submission, stanza = self.part(who, kind, **kwargs)
        opening = self.opening
        return key_submit(opening_id=opening.pk, by=who.user, lock_seq=opening.lock_seq, submission=submission,
                          stanza=stanza)

    def parts_in(self, bidders: list[Bidder] | None = None) -> None:
        """Every bidder (or those given) submits its form's part, and the worker decides them."""
        for who in self.bidders if bidders is None else bidders:
            self.submit_part(who)
        self.step()

    def share(self, x: int, kind: str = "form", *, y: bytes | None = None):
        opening = self.opening
        share_file = ShareFile.objects.select_related("listing_key").get(listing_key__lot=self.lot,
                                                                          listing_key__kind=kind, x=x)
        opened = seal.read_share_file(share_file.file_cj.encode(), commit=share_file.commit,
                                      custodian_sk=PRIVATE_KEYS[(share_file.custodian_id, "custodian")])
        custodian = json.loads(share_file.file_cj)["custodian"]
        stanza = seal.share_to_opening(y=y or opened.y, x=x, custodian=custodian, kind=kind, listing=self.lot.code,
                                       opening_pk=bytes.fromhex(opening.opening_pk))
        return share_submit(opening_id=opening.pk, by=share_file.custodian, lock_seq=opening.lock_seq, kind=kind,
                            x=x, stanza=stanza.as_json())

    # The whole way ---------------------------------------------------------------------------

    def to_keys(self) -> Opening:
        """Deadline → cosigned checkpoint → lock: the bidders' window is open."""
        self.step(2)
        self.cosign()
        return self.until(Opening.State.KEYS)

    def to_shares(self) -> Opening:
        self.shift(minutes=self.lot.listing.bidder_key_window_minutes, seconds=1)
        return self.until(Opening.State.SHARES)

    def unlock(self, kinds: tuple[str, ...] = ("form",), xs: tuple[int, ...] = (1, 3)) -> Opening:
        for kind in kinds:
            for x in xs:
                self.share(x, kind)
        return self.until(Opening.State.CONFIRMING, Opening.State.FAILED, Opening.State.CLOSED)


def signed_up(bidders: int, traveller=None) -> Scene:
    """A published sealed-bid tender: its supervisor (custodian 3 and cosigner), the staff member
    who published it, and `bidders` signed up with their bidder keys."""
    supervisor, staff = Supervisor(), UserFactory(role=User.Role.STAFF)
    listing = draft(days=working_days_ahead())
    services.listing_submit(listing=listing, by=listing.created_by)
    publish(listing=listing, by=staff, supervisor=supervisor.user)
    listing.refresh_from_db()  # each bidder's lot hangs on this instance: published, with its keys
    lot = Lot.objects.get(listing=listing)
    return Scene(lot, supervisor, staff, [signed_up_bidder(listing) for _ in range(bidders)], traveller)


def scene(traveller, *, bidders: int = 3, sealing: int | None = None, prices: list[int] | None = None,
          docs: dict[int, bytes] | None = None) -> Scene:
    """A published tender whose `bidders` signed up and the first `sealing` of them (default
    all) sealed a form (and, for the indexes in `docs`, a documents envelope), taken past its
    deadline: the opening waits for the cosignature."""
    s = signed_up(bidders, traveller)
    who, listing = s.bidders, s.lot.listing
    prices = prices or [100_000_000 - 1_234_567 * n for n in range(bidders)]
    for n, bidder in enumerate(who[:sealing]):
        envelope, sealed = seal_form(bidder, form_of(bidder, prices[n]))
        upload(bidder, envelope, sealed)
        if docs and n in docs:
            envelope, sealed = seal_body(bidder, docs[n])
            upload(bidder, envelope, sealed)
    traveller.move_to(listing.deadline + timedelta(seconds=1))
    while chronograph.tick():
        pass
    s.lot.refresh_from_db()
    return s
