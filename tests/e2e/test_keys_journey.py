"""A bidder makes a key in the browser, downloads the key file, and tests it; the platform
only ever receives the public key."""

import json

import pytest
from playwright.sync_api import expect

from accounts.models import PublicKey, User
from tests.accounts.factories import OrganisationFactory
from tests.e2e.conftest import KEY_PASSPHRASE as PASSPHRASE
from tests.e2e.conftest import PASSWORD, log_in, make_key_in_browser

pytestmark = pytest.mark.e2e


def test_make_download_register_and_test_a_key_file(stack, browser, tmp_path):
    User.objects.create_user(username="bidder9", password=PASSWORD, role=User.Role.BIDDER,
                             organisation=OrganisationFactory(), first_name="张伟")
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    log_in(page, stack.url, "bidder9")
    key_file = tmp_path / "bidder.key.json"
    make_key_in_browser(page, stack.url, key_file)
    content = json.loads(key_file.read_text())
    registered = PublicKey.objects.get(owner__username="bidder9", purpose="bidder")
    assert content["pk"] == registered.public_key and content["iter"] == 600000
    assert PASSPHRASE not in key_file.read_text() and "d" not in content  # only the sealed private key

    page.set_input_files("#test-file", str(key_file))
    page.fill("#test-passphrase", PASSPHRASE)
    page.locator("#test-key button[type=submit]").click()
    expect(page.locator("#test-result")).to_contain_text(registered.fingerprint, timeout=20_000)
    expect(page.locator("#test-result")).to_have_class("badge ok")

    page.fill("#test-passphrase", "not the passphrase at all")
    page.locator("#test-key button[type=submit]").click()
    expect(page.locator("#test-result")).to_have_class("badge bad", timeout=20_000)
