"""Nobody early (issue #6, point 6): the server never receives a plaintext, a price, a private
key or an unwrapped share; no page, API, log line, task message or database column holds one;
and the whole database and media folder, with every key the platform holds, open no bid."""

import io
import logging
import re

import pytest
from celery.signals import before_task_publish
from django.apps import apps
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit import keys as platform_keys
from tests.accounts.factories import PRIVATE_KEYS, UserFactory
from tests.trading.sealing import SEALER, seal_body, seal_form, signed_up_bidder, tender
from trading import seal
from trading.models import Envelope, ListingKey

pytestmark = pytest.mark.django_db

PRICE_FEN = 731_415_926
MARKER = "绝密报价说明-MARKER-7f3a"
DOCS = b"%PDF-1.7 " + MARKER.encode() + bytes(range(256)) * 64


class Wire(Client):
    """A test client that keeps every byte a browser would send."""

    sent: list[bytes]

    def generic(self, method, path, data="", *args, **kwargs):
        self.sent.append(data if isinstance(data, bytes) else str(data).encode())
        return super().generic(method, path, data, *args, **kwargs)


def send(client, who, envelope, sealed, kind):
    begun = client.post(reverse("trading:upload_begin", args=[who.lot.pk]), content_type="application/json", data={
        "kind": kind, "header": envelope.split(b"\n")[0].decode(), "header_sig": sealed.header_sig.hex(),
        "sealer": SEALER, "size": len(envelope)})
    token = begun.json()["token"]
    client.put(f"{reverse('trading:upload_piece', args=[token])}?offset=0", envelope,
               content_type="application/octet-stream")
    assert client.post(reverse("trading:upload_finish", args=[token])).status_code == 200


def secrets_of(who, lot) -> list[bytes]:
    """Everything that must never reach the platform, as bytes and as hex."""
    values = [str(PRICE_FEN).encode(), f"{PRICE_FEN / 100:.2f}".encode(), MARKER.encode(), DOCS[:64]]
    private = [who.sk] + [PRIVATE_KEYS[(c.pk, "custodian")] for c in lot.listing.custodians.all()]
    for key in ListingKey.objects.filter(lot=lot):
        for share in key.share_files.all():
            y = seal.read_share_file(share.file_cj.encode(),
                                     custodian_sk=PRIVATE_KEYS[(share.custodian_id, "custodian")]).y
            private.append(y)
    for raw in private:
        values += [raw, raw.hex().encode()]
    return values


def database_text() -> str:
    parts = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            parts.extend(str(value) for value in row.values())
    return "\n".join(parts)


def media_bytes(settings) -> list[bytes]:
    return [path.read_bytes() for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_only_ciphertext_crosses_the_wire_and_nothing_secret_is_kept_anywhere(settings, caplog):
    caplog.set_level(logging.DEBUG)
    published_tasks = []
    before_task_publish.connect(lambda body=None, **_: published_tasks.append(repr(body)), weak=False,
                                dispatch_uid="nobody-early")
    try:
        who = signed_up_bidder(tender())
        client = Wire()
        client.sent = []
        client.force_login(who.user)
        form = {"price_fen": PRICE_FEN, "remarks": MARKER}
        send(client, who, *seal_form(who, form), "form")
        send(client, who, *seal_body(who, DOCS), "docs")
        pages = [client.get(reverse("trading:bid", args=[who.lot.pk])).content,
                 client.get(reverse("trading:my_bids")).content,
                 client.get(reverse("trading:listing_detail", args=[who.lot.listing.pk])).content]
        for role in (User.Role.STAFF, User.Role.SUPERVISOR, User.Role.INSPECTOR):
            viewer = Client()
            viewer.force_login(UserFactory(role=role, is_staff=True, is_superuser=role == User.Role.STAFF))
            pages += [viewer.get(reverse("trading:listing_detail", args=[who.lot.listing.pk])).content,
                      viewer.get(reverse("audit:events")).content, viewer.get("/admin/").content]
    finally:
        before_task_publish.disconnect(dispatch_uid="nobody-early")

    everything = {"the wire": b"\n".join(client.sent), "the pages": b"\n".join(pages),
                  "the database": database_text().encode(), "the media folder": b"\n".join(media_bytes(settings)),
                  "the log": caplog.text.encode(), "the task messages": "\n".join(published_tasks).encode()}
    assert len(everything["the wire"]) > len(DOCS)  # the envelopes did cross it
    for secret in secrets_of(who, who.lot):
        for where, held in everything.items():
            assert secret not in held, f"{secret[:24]!r} found in {where}"


def test_every_key_the_platform_holds_opens_no_bid(settings):
    who = signed_up_bidder(tender())
    client = Client()
    client.force_login(who.user)
    send(client, who, *seal_form(who, {"price_fen": PRICE_FEN}), "form")
    # Every 32-byte value anywhere in the database or the media folder, and the platform's seed.
    held = database_text() + "\n" + "\n".join(b.decode("latin-1") for b in media_bytes(settings))
    candidates = {bytes.fromhex(h) for h in re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", held)}
    candidates.add(platform_keys.seed())
    assert len(candidates) > 20
    envelope = Envelope.objects.get()
    header = seal.parse_header(envelope.header.encode())
    opened = 0
    for candidate in candidates:
        for unwrap in (seal.listing_key, seal.bidder_key):
            try:
                unwrap(header, candidate)
                opened += 1
            except (seal.SealError, ValueError):
                pass
    assert opened == 0
    # Whereas the bidder's key and two custodians' shares do open it (the test is not vacuous).
    from tests.trading.sealing import listing_sk
    path = settings.MEDIA_ROOT / envelope.path
    assert seal.open_envelope(io.BytesIO(path.read_bytes()), listing_sk=listing_sk(who.lot),
                              bidder_sk=who.sk).form["price_fen"] == PRICE_FEN
