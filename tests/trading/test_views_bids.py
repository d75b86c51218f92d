"""The sealed-bid pages and the upload endpoints, through HTTP as the bid page's script calls them."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from audit import keys as platform_keys
from tests.accounts.factories import UserFactory
from tests.trading.sealing import SEALER, seal_form, signed_up_bidder, tender
from trading.models import Envelope, ListingKey

pytestmark = pytest.mark.django_db

FORM = {"price_fen": 12_345_600}


@pytest.fixture
def who():
    return signed_up_bidder(tender())


def http_upload(client, who, envelope, sealed, piece=1500):
    lot = who.lot
    begun = client.post(reverse("trading:upload_begin", args=[lot.pk]), content_type="application/json", data={
        "kind": "form", "header": envelope.split(b"\n")[0].decode(), "header_sig": sealed.header_sig.hex(),
        "sealer": SEALER, "size": len(envelope)})
    assert begun.status_code == 201, begun.content
    token = begun.json()["token"]
    url = reverse("trading:upload_piece", args=[token])
    for offset in range(0, len(envelope), piece):
        sent = client.put(f"{url}?offset={offset}", envelope[offset:offset + piece],
                          content_type="application/octet-stream")
        assert sent.json()["received"] == min(len(envelope), offset + piece)
    return client.post(reverse("trading:upload_finish", args=[token]))


def test_the_bid_page_gives_the_sealer_only_public_values(client, who):
    client.force_login(who.user)
    page = client.get(reverse("trading:bid", args=[who.lot.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    body = page.content.decode()
    data = page.context["sealing"]
    form_key = ListingKey.objects.get(lot=who.lot, kind="form")
    assert data["keys"]["form"] == {"pk": form_key.public_key, "fp": form_key.fingerprint}
    assert data["platform_pk"] == platform_keys.public_key().hex() and data["bid_id"] == who.bid.bid_id
    assert form_key.fingerprint in body and "封装并提交" in body


def test_the_bid_page_is_for_signed_up_bidders(client, who):
    outsider = signed_up_bidder(tender())
    client.force_login(outsider.user)
    page = client.get(reverse("trading:bid", args=[who.lot.pk]))
    assert page.status_code == 200 and page.context["sealing"] is None
    for role in (User.Role.STAFF, User.Role.SUPERVISOR, User.Role.AGENT, User.Role.INSPECTOR):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("trading:bid", args=[who.lot.pk])).status_code in (403, 404)


def test_an_envelope_sent_in_pieces_over_http_is_receipted(client, who):
    client.force_login(who.user)
    envelope, sealed = seal_form(who, FORM)
    finished = http_upload(client, who, envelope, sealed)
    assert finished.status_code == 200
    receipt = finished.json()["receipt"]
    assert receipt["envelope_sha256"] == sealed.envelope_sha256 and receipt["type"] == "seal"
    download = client.get(reverse("trading:receipt_download", args=[receipt["audit_seq"]]))
    assert json.loads(download.content) == receipt and "attachment" in download["Content-Disposition"]
    mine = client.get(reverse("trading:my_bids")).content.decode()
    assert who.lot.code in mine and str(receipt["audit_seq"]) in mine


def test_refusals_come_back_as_json_with_the_reason_in_chinese(client, who):
    client.force_login(who.user)
    envelope, sealed = seal_form(who, FORM)
    refused = client.post(reverse("trading:upload_begin", args=[who.lot.pk]), content_type="application/json",
                          data={"kind": "form", "header": "not a header", "header_sig": sealed.header_sig.hex(),
                                "sealer": SEALER, "size": len(envelope)}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 409
    assert refused.json()["code"] == "envelope_refused" and "HEADER_INVALID" in refused.json()["message"]
    garbage = client.post(reverse("trading:upload_begin", args=[who.lot.pk]), content_type="application/json",
                          data="[1, 2", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert garbage.status_code == 400


def test_a_lost_piece_is_answered_with_where_to_go_on(client, who):
    client.force_login(who.user)
    envelope, sealed = seal_form(who, FORM)
    begun = client.post(reverse("trading:upload_begin", args=[who.lot.pk]), content_type="application/json", data={
        "kind": "form", "header": envelope.split(b"\n")[0].decode(), "header_sig": sealed.header_sig.hex(),
        "sealer": SEALER, "size": len(envelope)}).json()
    url = reverse("trading:upload_piece", args=[begun["token"]])
    client.put(f"{url}?offset=0", envelope[:1000], content_type="application/octet-stream")
    skipped = client.put(f"{url}?offset=2000", envelope[2000:3000], content_type="application/octet-stream")
    assert skipped.status_code == 409 and skipped.json()["expected"] == 1000
    assert client.get(url).json()["received"] == 1000


def test_receipts_are_their_organisations_only(client, who):
    client.force_login(who.user)
    envelope, sealed = seal_form(who, FORM)
    seq = http_upload(client, who, envelope, sealed).json()["seq"]
    for other in (signed_up_bidder(tender()).user, UserFactory(role=User.Role.STAFF)):
        client.force_login(other)
        assert client.get(reverse("trading:receipt_download", args=[seq])).status_code == 403
    assert Envelope.objects.count() == 1


def test_the_notice_and_its_printable_form_declare_the_sealing(client, who):
    listing = who.lot.listing
    fingerprints = list(ListingKey.objects.filter(lot__listing=listing).values_list("fingerprint", flat=True))
    for url in (reverse("trading:listing_detail", args=[listing.pk]), reverse("trading:notice_print", args=[listing.pk])):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert all(fp in body for fp in fingerprints)
        assert platform_keys.fingerprint() in body and "4096" in body and "30" in body
        assert all(c.display_name in body for c in listing.custodians.all())


def test_custodians_download_only_their_own_share_files(client, who):
    share = ListingKey.objects.get(lot=who.lot, kind="form").share_files.get(x=1)
    client.force_login(share.custodian)
    listed = client.get(reverse("trading:my_shares")).content.decode()
    assert share.commit[:10] in listed
    download = client.get(reverse("trading:share_download", args=[share.pk]))
    assert json.loads(download.content)["x"] == 1
    client.force_login(who.user)
    assert client.get(reverse("trading:share_download", args=[share.pk])).status_code == 403
