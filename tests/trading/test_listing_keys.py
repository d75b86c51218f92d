"""Listing keys at publication (seal.md §9): made, split 2-of-3 to the custodians' registered
keys, committed in `listing.key`, and rebuildable only from two custodians' shares."""

import json

import pytest

from accounts.models import User
from audit.models import Event
from tests.accounts.factories import PRIVATE_KEYS, UserFactory, ensure_key, register_key
from tests.trading.factories import published
from trading import listing_keys, seal
from trading.errors import NonWorkingDay
from trading.models import ListingKey
from trading.services import LotInput

pytestmark = pytest.mark.django_db


def test_each_lot_gets_a_form_and_a_docs_key_split_to_its_three_custodians():
    listing = published(lots=[LotInput(title="一标段", budget_fen=50_000_000),
                              LotInput(title="二标段", budget_fen=50_000_000)])
    keys = list(ListingKey.objects.filter(lot__listing=listing))
    assert sorted((key.lot.number, key.kind) for key in keys) == [(1, "docs"), (1, "form"), (2, "docs"), (2, "form")]
    custodians = list(listing.custodians.all())
    assert {c.role for c in custodians} == {User.Role.AGENT, User.Role.STAFF, User.Role.SUPERVISOR}
    for key in keys:
        event = Event.objects.get(seq=key.event_seq)
        payload = json.loads(event.payload)
        assert event.kind == "listing.key" and payload["pk"] == key.public_key and (payload["k"], payload["n"]) == (2, 3)
        assert key.fingerprint == seal.fingerprint(bytes.fromhex(key.public_key))
        collector = seal.ShareCollector(payload)
        for share_file in key.share_files.all():
            opened = seal.read_share_file(share_file.file_cj.encode(), commit=share_file.commit,
                                          custodian_sk=PRIVATE_KEYS[(share_file.custodian_id, "custodian")])
            assert opened.listing == key.lot.code and opened.kind == key.kind
            if share_file.x != 2:
                collector.add(x=opened.x, y=opened.y)
        # Any two custodians rebuild d (here agent and supervisor, without staff).
        d = collector.rebuild()
        assert seal.fingerprint(seal.p256.public_of(d)) == key.fingerprint


def test_one_custodian_alone_cannot_rebuild_the_key():
    listing = published()
    key = ListingKey.objects.filter(lot__listing=listing, kind="form").get()
    share = key.share_files.get(x=1)
    opened = seal.read_share_file(share.file_cj.encode(), custodian_sk=PRIVATE_KEYS[(share.custodian_id, "custodian")])
    with pytest.raises(seal.SealError) as refused:
        seal.rebuild_listing_key(pk=bytes.fromhex(key.public_key), k=2, shares=[(1, opened.y)])
    assert refused.value.code == "LISTING_KEY"


def test_a_share_file_is_wrapped_to_the_key_registered_at_publication_only():
    listing = published()
    share = ListingKey.objects.filter(lot__listing=listing, kind="docs").get().share_files.get(x=3)
    old_sk = PRIVATE_KEYS[(share.custodian_id, "custodian")]
    register_key(share.custodian, "custodian")  # a replacement after publication
    new_sk = PRIVATE_KEYS[(share.custodian_id, "custodian")]
    with pytest.raises(seal.SealError):
        seal.read_share_file(share.file_cj.encode(), custodian_sk=new_sk)
    assert seal.read_share_file(share.file_cj.encode(), custodian_sk=old_sk, commit=share.commit).x == 3


def test_only_its_custodian_downloads_a_share_file_and_the_first_download_is_recorded():
    listing = published()
    share = ListingKey.objects.filter(lot__listing=listing, kind="form").get().share_files.get(x=1)
    for outsider in (UserFactory(role=User.Role.STAFF), UserFactory(role=User.Role.SUPERVISOR),
                     UserFactory(role=User.Role.BIDDER)):
        with pytest.raises(listing_keys.NotPermitted):
            listing_keys.share_download(outsider, share.pk)
    assert listing_keys.share_download(share.custodian, share.pk).downloaded_at is not None
    listing_keys.share_download(share.custodian, share.pk)
    assert Event.objects.filter(kind="share.downloaded").count() == 1


def test_fixed_price_and_sale_listings_get_no_keys_and_need_no_custodians():
    for kind, method in (("fixed_price", "fixed_price_draw"), ("land", "land_auction"), ("asset", "asset_listing")):
        listing = published_on_a_working_day(kind=kind, method=method)
        assert not ListingKey.objects.filter(lot__listing=listing).exists()


def test_custodians_are_told_their_shares_are_ready():
    agent = UserFactory(role=User.Role.AGENT)
    ensure_key(agent)
    listing = published(agent)
    assert agent.messages.filter(link="/trading/shares/", subject__contains=listing.code).exists()


def published_on_a_working_day(**kwargs):
    """Sales need 20 working days: a deadline far enough out, on the center's working day."""
    for days in range(35, 50):
        try:
            return published(days=days, **kwargs)
        except NonWorkingDay:
            continue
    raise AssertionError("no working day found")
