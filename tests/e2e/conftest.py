import os

import pytest

from tests.e2e.stack import Stack

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous and safe (STYLE.md §9: here only).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": "/usr/bin/chromium", "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-quic"]}


@pytest.fixture(scope="session")
def live_stack(django_db_setup, django_db_blocker):
    stack = Stack().start()
    yield stack
    stack.stop()


@pytest.fixture
def stack(live_stack, transactional_db):
    live_stack.wait_for_zero_clock()
    return live_stack


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


PASSWORD = "Correct-horse-42"


def log_in(page, url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the page, in Chinese, as a person would."""
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


KEY_PASSPHRASE = "tea kettle harbour 42 lanterns"


def make_key_in_browser(page, url: str, key_file) -> None:
    """Make the page's first kind of key in the browser and save the downloaded key file."""
    from playwright.sync_api import expect

    page.goto(url + "/accounts/keys/")
    page.fill("#make-passphrase", KEY_PASSPHRASE)
    page.fill("#make-passphrase2", KEY_PASSPHRASE)
    with page.expect_download() as downloading:
        page.locator("#make-key button[type=submit]").click()
    downloading.value.save_as(key_file)
    expect(page.locator(".messages")).to_be_visible(timeout=20_000)


def off_loop(work, *args, **kwargs):
    """Run ORM work outside Playwright's event loop (services broadcast with async_to_sync,
    which that thread refuses), closing the thread's connection so a pool never runs dry."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return work(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
