"""Reads for sealed bids: what the bid page needs to seal, a bidder's bids and receipts, and
the notice's sealing declarations (seal.md §3)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from accounts.keys import key_current
from accounts.models import PublicKey, User
from audit import keys as platform_keys
from config.errors import NotPermitted
from trading import bids
from trading.models import Bid, Envelope, Listing, ListingKey, Lot, Registration, Withdrawal


def _files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def browser_sealer() -> str:
    """`sealer` for envelopes sealed on the bid page: SHA-256 over the sealing scripts, in name order."""
    root = Path(settings.BASE_DIR) / "static" / "js"
    return _files_digest(sorted((root / "seal").glob("*.js")) + [root / "bid.js"])


@lru_cache(maxsize=1)
def offline_sealer() -> str:
    """`sealer` for envelopes from `python -m trading.seal`: SHA-256 over this release's package."""
    return _files_digest(sorted((Path(settings.BASE_DIR) / "trading" / "seal").glob("*.py")))


@dataclass
class Declarations:
    """What the notice declares for sealing (seal.md §3), per lot."""

    listing: Listing
    keys: dict[str, list[ListingKey]]  # lot code → its form and docs keys
    custodians: list[User]
    platform_fingerprint: str
    platform_key_name: str


def declarations(listing: Listing) -> Declarations | None:
    keys = list(ListingKey.objects.filter(lot__listing=listing).select_related("lot").order_by("lot__number", "kind"))
    if not keys:
        return None
    by_lot: dict[str, list[ListingKey]] = {}
    for key in keys:
        by_lot.setdefault(key.lot.code, []).append(key)
    custodians = [share.custodian for share in keys[0].share_files.select_related("custodian").order_by("x")]
    return Declarations(listing, by_lot, custodians, platform_keys.fingerprint(), platform_keys.origin())


@dataclass
class BidPage:
    lot: Lot
    registered: bool
    bid: Bid | None = None
    bidder_key: PublicKey | None = None
    envelopes: list[Envelope] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    open_reason: str = ""

    def sealing_data(self) -> dict[str, Any]:
        """Everything the page's script seals with: public values only."""
        keys = {key.kind: {"pk": key.public_key, "fp": key.fingerprint} for key in self.lot.listing_keys.all()}
        return {
            "listing": self.lot.code, "bidder": bids.bidder_id(self.bid.organisation) if self.bid else "",
            "bid_id": self.bid.bid_id if self.bid else "", "form_size": self.lot.listing.form_size, "keys": keys,
            "bidder_pk": self.bidder_key.public_key if self.bidder_key else "",
            "platform_pk": platform_keys.public_key().hex(), "key_name": platform_keys.origin(),
            "sealer": browser_sealer(), "offline_sealer": offline_sealer(), "piece": settings.SEAL_UPLOAD_PIECE_BYTES,
            "current": sorted(e.header_sha256 for e in self.envelopes if e.state == Envelope.State.CURRENT),
        }


def bid_page(lot: Lot, user: User) -> BidPage:
    if user.role != User.Role.BIDDER:
        raise NotPermitted()
    registered = Registration.objects.filter(lot=lot, organisation_id=user.organisation_id,
                                             status__in=bids.BIDDING_REGISTRATIONS).exists()
    if not registered:
        return BidPage(lot, False)
    page = BidPage(lot, True, bids.bid_for(lot, user), key_current(owner=user, purpose=PublicKey.Purpose.BIDDER))
    page.envelopes = list(page.bid.envelopes.order_by("-seq"))
    page.withdrawals = list(page.bid.withdrawals.order_by("-seq"))
    try:
        bids.check_open(lot.listing)
    except bids.BiddingClosed as closed:
        page.open_reason = str(closed)
    return page


@dataclass
class MyBid:
    registration: Registration
    bid: Bid | None
    envelopes: list[Envelope]
    withdrawals: list[Withdrawal]


def my_bids(user: User) -> list[MyBid]:
    """The organisation's sign-ups, each with its bid's envelopes and withdrawals, newest first."""
    if user.role != User.Role.BIDDER or user.organisation_id is None:
        raise NotPermitted()
    registrations = (Registration.objects.filter(organisation_id=user.organisation_id)
                     .select_related("lot__listing").order_by("-signed_up_at"))
    found = {bid.lot_id: bid for bid in Bid.objects.filter(organisation_id=user.organisation_id)}
    rows = []
    for registration in registrations:
        bid = found.get(registration.lot_id)
        rows.append(MyBid(registration, bid, list(bid.envelopes.order_by("-seq")) if bid else [],
                          list(bid.withdrawals.order_by("-seq")) if bid else []))
    return rows


def receipt_of(user: User, seq: int) -> dict[str, Any]:
    """A receipt of the user's organisation, by its audit seq (theirs only)."""
    row = (Envelope.objects.filter(seq=seq).select_related("bid").first()
           or Withdrawal.objects.filter(seq=seq).select_related("bid").first())
    if row is None or user.role != User.Role.BIDDER or row.bid.organisation_id != user.organisation_id:
        raise NotPermitted()
    return json.loads(row.receipt_cj)


def platform_data() -> dict[str, str]:
    """The platform key receipts are checked against, pinned in the page."""
    return {"platform_pk": platform_keys.public_key().hex(), "key_name": platform_keys.origin(),
            "fingerprint": platform_keys.fingerprint()}
