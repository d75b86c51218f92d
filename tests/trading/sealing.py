"""Test helpers for sealed bids: a signed-up bidder with a key, envelopes sealed as the
offline program seals them, and uploads sent in pieces as the browser sends them."""

from __future__ import annotations

import io
from dataclasses import dataclass

from accounts.models import User
from audit import keys as platform_keys
from tests.accounts.factories import PRIVATE_KEYS, ensure_key
from tests.trading.factories import published
from tests.trading.test_views_support import bidder, working_days_ahead
from trading import bids, seal, signup
from trading.models import Listing, ListingKey, Lot

SEALER = "ab" * 32


@dataclass
class Bidder:
    user: User
    sk: bytes
    lot: Lot

    @property
    def bid(self):
        return bids.bid_for(self.lot, self.user)


def tender() -> Listing:
    return published(days=working_days_ahead())


def signed_up_bidder(listing: Listing, user: User | None = None) -> Bidder:
    user = user or bidder()
    lot = listing.lots.first()
    signup.registration_create(lot=lot, by=user)
    return Bidder(user, ensure_key(user, "bidder"), lot)


def listing_pk(lot: Lot, kind: str = "form") -> bytes:
    return bytes.fromhex(ListingKey.objects.get(lot=lot, kind=kind).public_key)


def listing_sk(lot: Lot, kind: str = "form") -> bytes:
    """d rebuilt from custodians 1 and 3, as the opening will (custodian 2 stays away)."""
    key = ListingKey.objects.get(lot=lot, kind=kind)
    shares = []
    for share in key.share_files.filter(x__in=[1, 3]):
        opened = seal.read_share_file(share.file_cj.encode(), commit=share.commit,
                                      custodian_sk=PRIVATE_KEYS[(share.custodian_id, "custodian")])
        shares.append((opened.x, opened.y))
    return seal.rebuild_listing_key(pk=bytes.fromhex(key.public_key), k=key.k, shares=shares)


def seal_form(who: Bidder, form: dict, **overrides) -> tuple[bytes, seal.Sealed]:
    return seal_body(who, seal.pad_form(form, who.lot.listing.form_size), kind="form", **overrides)


def seal_body(who: Bidder, body: bytes, *, kind: str = "docs", **overrides):
    """(envelope bytes, Sealed) sealed to the lot's published key and the bidder's key."""
    out = io.BytesIO()
    args = {"listing": who.lot.code, "bidder": bids.bidder_id(who.user.organisation), "bid_id": who.bid.bid_id,
            "kind": kind, "listing_pk": listing_pk(who.lot, kind), "bidder_sk": who.sk, **overrides}
    sealed = seal.seal_envelope(io.BytesIO(body), out, **args)
    return out.getvalue(), sealed


def upload(who: Bidder, envelope: bytes, sealed, *, kind: str | None = None, pieces: int = 3, size: int | None = None):
    """Begin, send in `pieces`, finish: the receipted Envelope."""
    header = envelope[:envelope.index(b"\n")].decode()
    started = bids.upload_begin(lot=who.lot, by=who.user, kind=kind or sealed.header.kind, header=header,
                                header_sig=sealed.header_sig.hex(), sealer=SEALER,
                                size=len(envelope) if size is None else size)
    send(who, started.token, envelope, pieces)
    return bids.upload_finish(token=started.token, by=who.user)


def send(who: Bidder, token: str, data: bytes, pieces: int = 3, start: int = 0) -> None:
    step = max(1, -(-(len(data) - start) // pieces))
    for offset in range(start, len(data), step):
        piece = data[offset:offset + step]
        bids.upload_append(token=token, by=who.user, offset=offset, stream=io.BytesIO(piece), length=len(piece))


def sealed_bids(lot: Lot, users: list[User], price_fen: int = 88_000_000) -> None:
    """Each signed-up bidder seals and uploads its bid form, as the bid page would: a tender
    reaches its opening only with enough bids received (TR Art. 44)."""
    for user in users:
        who = Bidder(user, ensure_key(user, "bidder"), lot)
        envelope, sealed = seal_form(who, {"bid_id": who.bid.bid_id, "listing": lot.code, "price_fen": price_fen})
        upload(who, envelope, sealed)


def platform() -> dict:
    return {"platform_pk": platform_keys.public_key(), "key_name": platform_keys.origin()}
