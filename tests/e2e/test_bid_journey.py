"""A bidder's whole sealed-bid journey in chromium against the real stack: make a key, seal a
bid with a 20 MB document in the browser, lose the connection mid-upload, reload and resume,
check the receipt, withdraw, seal again, upload the offline program's envelope, and be
refused one second after the deadline."""

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from audit.services import clock_advance
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.e2e.conftest import KEY_PASSPHRASE as PASSPHRASE
from tests.e2e.conftest import PASSWORD, log_in, make_key_in_browser, off_loop
from tests.e2e.stack import MEDIA, ROOT
from tests.trading.sealing import listing_sk, tender
from trading import seal, signup
from trading.models import Envelope, Upload

pytestmark = pytest.mark.e2e
TWENTY_MB = 20 * 2**20


def bidder_signed_up(username):
    def work():
        listing = tender()
        user = User.objects.create_user(username=username, password=PASSWORD, role=User.Role.BIDDER,
                                        organisation=OrganisationFactory(), first_name="张伟")
        signup.registration_create(lot=listing.lots.first(), by=user)
        return listing, listing.lots.first(), user
    return off_loop(work)


def make_key(page, url, tmp_path):
    key_file = tmp_path / "bidder.key.json"
    make_key_in_browser(page, url, key_file)
    page.set_input_files("#test-file", str(key_file))
    page.fill("#test-passphrase", PASSPHRASE)
    page.locator("#test-key button[type=submit]").click()
    expect(page.locator("#test-result")).to_have_class("badge ok", timeout=20_000)
    return key_file


def choose_key(page, key_file):
    page.set_input_files("#key-file", str(key_file))
    page.fill("#key-passphrase", PASSPHRASE)


def stored(envelope: Envelope) -> bytes:
    return (MEDIA / envelope.path).read_bytes()


def test_seal_upload_resume_receipt_withdraw_and_the_deadline(stack, browser, tmp_path):
    listing, lot, user = bidder_signed_up("bidder9")
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    log_in(page, stack.url, "bidder9")
    key_file = make_key(page, stack.url, tmp_path)
    bidder_sk = seal.read_key_file(key_file.read_bytes(), PASSPHRASE).private_key

    document = tmp_path / "技术标.pdf"
    document.write_bytes(b"%PDF-1.7\n" + os.urandom(TWENTY_MB))
    page.goto(f"{stack.url}/trading/lots/{lot.pk}/bid/")
    choose_key(page, key_file)
    page.fill("#price", "1234567.89")
    page.fill("#duration", "180")
    page.set_input_files("#documents", str(document))

    # The connection drops after a few pieces of the documents envelope.
    pieces = {"docs": 0}

    def flaky(route):
        if route.request.method == "PUT" and pieces["docs"] >= 4:
            route.abort()
            return
        if route.request.method == "PUT":
            pieces["docs"] += 1
        route.continue_()
    page.route("**/trading/uploads/**", flaky)
    page.locator("#seal-button").click()
    expect(page.locator("#bid-result")).to_have_class("badge bad", timeout=120_000)
    assert int(page.locator("#progress").get_attribute("value") or page.evaluate(
        "document.getElementById('progress').value")) > 0
    page.unroute("**/trading/uploads/**")

    # Reload: the sealed envelope waits in IndexedDB and the upload goes on where it stopped.
    page.reload()
    expect(page.locator("#progress-card")).to_be_visible(timeout=20_000)
    expect(page.locator("#receipts tbody tr")).to_have_count(2, timeout=120_000)
    envelopes = {e.kind: e for e in Envelope.objects.filter(bid__lot=lot, state="current")}
    assert set(envelopes) == {"form", "docs"}
    # Resumed, not restarted: one upload of the documents, its pieces before and after the reload.
    assert list(Upload.objects.filter(bid__lot=lot, kind="docs").values_list("state", flat=True)) == ["done"]
    docs = stored(envelopes["docs"])
    assert len(docs) > TWENTY_MB and document.read_bytes()[100:164] not in docs  # only ciphertext arrived

    # The receipt downloads and verifies with the module; the envelope opens with both keys.
    with page.expect_download() as downloading:
        page.locator(f"#receipts tr[data-seq='{envelopes['form'].seq}'] a").click()
    receipt = json.loads(downloading.value.path().read_bytes())
    from audit import keys as platform_keys
    seal.verify_receipt(receipt, platform_pk=platform_keys.public_key(), key_name=platform_keys.origin(),
                        envelope=io.BytesIO(stored(envelopes["form"])))
    opened = seal.open_envelope(io.BytesIO(stored(envelopes["form"])), listing_sk=listing_sk(lot), bidder_sk=bidder_sk)
    assert opened.form["price_fen"] == 123456789 and opened.form["duration_days"] == 180
    # The documents envelope opens to the zip the browser made, the chosen file intact inside.
    body = io.BytesIO()
    seal.open_envelope(io.BytesIO(docs), body, listing_sk=listing_sk(lot, "docs"), bidder_sk=bidder_sk)
    with zipfile.ZipFile(body) as archive:
        assert archive.namelist() == ["技术标.pdf"] and archive.read("技术标.pdf") == document.read_bytes()

    # My bids lists them, each receipt checked in the browser.
    page.goto(stack.url + "/trading/bids/mine/")
    expect(page.locator(".verdict.badge.ok")).to_have_count(2, timeout=20_000)

    # Withdraw, then seal again.
    page.goto(f"{stack.url}/trading/lots/{lot.pk}/bid/")
    choose_key(page, key_file)
    page.locator("#withdraw-button").click()
    expect(page.locator("#bid-result")).to_contain_text("已撤回", timeout=30_000)
    assert not Envelope.objects.filter(bid__lot=lot, state="current").exists()
    page.wait_for_timeout(2000)
    choose_key(page, key_file)
    page.fill("#price", "1200000")
    page.locator("#seal-button").click()
    expect(page.locator("#bid-result")).to_contain_text("已回执", timeout=60_000)
    assert Envelope.objects.filter(bid__lot=lot, state="current", kind="form").count() == 1

    # One second after the deadline by the platform clock, a sealed bid is refused.
    page.wait_for_timeout(2000)
    page.goto(f"{stack.url}/trading/lots/{lot.pk}/bid/")
    choose_key(page, key_file)
    page.fill("#price", "1100000")
    off_loop(lambda: clock_advance(by=UserFactory(role=User.Role.STAFF), to=listing.deadline + timedelta(seconds=1)))
    time.sleep(1.5)  # each process caches the clock offset for a second
    page.locator("#seal-button").click()
    expect(page.locator("#bid-result")).to_contain_text("截止", timeout=60_000)
    assert Envelope.objects.filter(bid__lot=lot).count() == 3
    context.close()


def test_the_offline_programs_envelope_is_accepted_by_the_bid_page(stack, browser, tmp_path):
    listing, lot, user = bidder_signed_up("bidder8")
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    log_in(page, stack.url, "bidder8")
    key_file = make_key(page, stack.url, tmp_path)
    from trading import bids
    bid = off_loop(lambda: bids.bid_for(lot, user))
    form_key = lot.listing_keys.get(kind="form")
    (tmp_path / "form.json").write_text(json.dumps({"price_fen": 88_000_000}))
    out, sig = tmp_path / "form.sunbid", tmp_path / "form.sig"
    run = subprocess.run(
        [sys.executable, "-m", "trading.seal", "seal", "--listing-pk", form_key.public_key,
         "--listing-pk-sha256", form_key.fingerprint, "--bidder-key-file", str(key_file), "--listing", lot.code,
         "--bidder", bids.bidder_id(user.organisation), "--bid-id", bid.bid_id, "--kind", "form",
         str(tmp_path / "form.json"), str(out), "--sig-out", str(sig)],
        cwd=ROOT, env={**os.environ, "SUNBID_PASSPHRASE": PASSPHRASE}, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    page.goto(f"{stack.url}/trading/lots/{lot.pk}/bid/")
    page.select_option("#offline-kind", "form")
    page.set_input_files("#offline-envelope", str(out))
    page.set_input_files("#offline-sig", str(sig))
    page.locator("#offline-form button[type=submit]").click()
    expect(page.locator("#bid-result")).to_contain_text("已回执", timeout=60_000)
    envelope = Envelope.objects.get(bid=bid, state="current")
    assert stored(envelope) == out.read_bytes()
    bidder_sk = seal.read_key_file(key_file.read_bytes(), PASSPHRASE).private_key
    opened = seal.open_envelope(io.BytesIO(out.read_bytes()), listing_sk=listing_sk(lot), bidder_sk=bidder_sk)
    assert opened.form == {"price_fen": 88_000_000}
