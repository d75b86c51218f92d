"""Listing keys at publication (seal.md §3, §9).

For each lot that takes sealed bids and each envelope kind, a P-256 pair is made in this
process's memory, split k-of-n to the custodians' registered custodian keys as share files,
the commitments recorded in `listing.key`, and the private half dropped: it is never written
to the database, the media folder, a log or a task message. (Python cannot zero an immutable
`bytes`; the scalar lives only in this function's locals until it returns.) From then on the
platform holds only share files it cannot open.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

import canonical_json
from accounts.keys import key_current
from accounts.models import PublicKey, User
from accounts.notifications import notify
from audit import clock
from audit.services import SYSTEM, actor_of, event_append
from config.errors import NotPermitted
from trading import lifecycle, seal
from trading.errors import CustodianKeyMissing, SupervisorRequired
from trading.models import EnvelopeKind, Listing, ListingKey, ShareFile

KINDS = (EnvelopeKind.FORM, EnvelopeKind.DOCS)


def custodian_keys(custodians: list[User]) -> list[PublicKey]:
    """Each custodian's current custodian key, or the refusal naming who has none."""
    keys = [key_current(owner=user, purpose=PublicKey.Purpose.CUSTODIAN) for user in custodians]
    missing = [user.display_name for user, key in zip(custodians, keys, strict=True) if key is None]
    if missing:
        raise CustodianKeyMissing(names="、".join(missing))
    return [key for key in keys if key is not None]


def check_ready(listing: Listing, *, supervisor: User | None, staff: User) -> list[tuple[User, PublicKey]]:
    """Before publication: the custodians in x order (agent, staff, supervisor) with their keys."""
    if not lifecycle.takes_sealed_bids(listing.kind, listing.method):
        return []
    if supervisor is None:
        raise SupervisorRequired()
    custodians = [listing.created_by, staff, supervisor]
    return list(zip(custodians, custodian_keys(custodians), strict=True))


def listing_keys_make(listing: Listing, custodian_pairs: list[tuple[User, PublicKey]]) -> list[ListingKey]:
    """Make, split and record the listing keys of every lot (in the publishing transaction)."""
    custodians = [user for user, _ in custodian_pairs]
    keys = [key for _, key in custodian_pairs]
    made = []
    now = clock.now()
    for lot in listing.lots.all():
        for kind in KINDS:
            made.append(_make_one(lot, kind, listing.keys_k, custodians, keys, now))
    notify(custodians, subject=_("Your opening-key shares for %(code)s") % {"code": listing.code},
           body=_("Download your share files for %(code)s and check them against their commitments now; bring "
                  "them and your key file to the opening.") % {"code": listing.code},
           link="/trading/shares/")
    return made


def _make_one(lot, kind: str, k: int, custodians: list[User], keys: list[PublicKey], now) -> ListingKey:
    listing_sk, listing_pk = seal.new_key_pair()
    split = seal.split_listing_key(
        listing=lot.code, kind=kind, listing_sk=listing_sk, k=k,
        custodians=[(actor_of(user), bytes.fromhex(key.public_key)) for user, key in zip(custodians, keys, strict=True)])
    del listing_sk
    event = event_append(kind="listing.key", actor=SYSTEM, object=f"listing:{lot.code}", payload=split.event)
    row = ListingKey.objects.create(lot=lot, kind=kind, public_key=listing_pk.hex(),
                                    fingerprint=seal.fingerprint(listing_pk), k=k, n=len(custodians),
                                    event_seq=event.seq, made_at=now)
    for user, key, share_file, entry in zip(custodians, keys, split.share_files, split.event["shares"], strict=True):
        ShareFile.objects.create(listing_key=row, x=entry["x"], custodian=user, custodian_key=key,
                                 commit=entry["commit"], file_cj=canonical_json.dumps(share_file).decode())
    return row


def shares_of(user: User) -> list[ShareFile]:
    """A custodian's share files, newest listing first."""
    if not user.is_authenticated:
        raise NotPermitted()
    return list(ShareFile.objects.filter(custodian=user).select_related("listing_key__lot__listing")
                .order_by("-listing_key__made_at", "listing_key__lot__code", "listing_key__kind"))


def share_download(user: User, pk: int) -> ShareFile:
    """Only its custodian may fetch a share file; the first download is recorded."""
    share = ShareFile.objects.select_related("listing_key__lot").filter(pk=pk).first()
    if share is None or share.custodian_id != user.pk:
        raise NotPermitted()
    if share.downloaded_at is None:
        share.downloaded_at = clock.now()
        share.save(update_fields=["downloaded_at"])
        event_append(kind="share.downloaded", actor=actor_of(user), object=f"listing:{share.listing_key.lot.code}",
                     payload={"listing": share.listing_key.lot.code, "kind": share.listing_key.kind, "x": share.x})
    return share
