"""The public online bid opening (seal.md §7) in chromium against the real stack, its opening
worker a process of its own:

Three bidders sealed bids at different prices; the deadline passes on the demo clock and the
chronograph opens the opening. The supervisor cosigns the deadline checkpoint on the cosigning
page with its key file and comes back; each bidder unwraps its key part in its own browser
(one first with a wrong passphrase: KEY_FILE, nothing sent) and sees its key receipt verified;
the window closes, two custodians give their shares in the browser; the page shows the
decryption done, the prices read out and the signed record, downloaded and checked here; a
bidder objects and staff answer on the spot, the bidder's page hearing it live. Then the
opening worker is killed after the bidders' parts are in: its successor locks again under a
new key, the collection is repeated, and there is one result and one record.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import User
from audit import clock
from audit import keys as platform_keys
from audit.models import Checkpoint, Event
from audit.services import clock_advance
from tests.accounts.factories import PRIVATE_KEYS, UserFactory
from tests.e2e.conftest import KEY_PASSPHRASE, log_in, off_loop
from tests.e2e.stack import MEDIA
from tests.trading.opening_support import Scene, scene
from trading import seal
from trading.models import KeySubmission, OpenedEnvelope, Opening, ShareFile, ShareSubmission
from trading.opening_keys import LockChanged, key_submit
from trading.opening_result import price_rows

pytestmark = pytest.mark.e2e
PRICES = [98_765_432, 87_654_321, 99_000_000]
READ_OUT = {"987,654.32 元", "876,543.21 元", "990,000.00 元"}


class DemoClock:
    """What `opening_support.scene` wants of time_machine's traveller, done with the stack's
    demo clock instead, which every process of the stack follows."""

    def __init__(self) -> None:
        self.staff: User | None = None

    def move_to(self, moment) -> None:
        if self.staff is None:
            self.staff = UserFactory(role=User.Role.STAFF)
        clock_advance(by=self.staff, to=moment)

    def shift(self, delta: timedelta) -> None:
        self.move_to(clock.now() + delta)


@pytest.fixture
def media(settings):
    """Envelopes uploaded here land where the stack's opening worker reads them."""
    settings.MEDIA_ROOT = MEDIA
    return MEDIA


def sealed_tender() -> Scene:
    """Three bidders' sealed bids, past the deadline; the chronograph made the opening."""
    s = off_loop(scene, DemoClock(), prices=PRICES)
    assert s.opening.state == Opening.State.COSIGN
    return s


def until(check, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def state_of(s: Scene, *states: str, seconds: float = 30) -> Opening:
    return until(lambda: (o := s.opening).state in states and o, f"the opening to reach {states}", seconds)


def label(state: str) -> str:
    with translation.override("zh-hans"):
        return str(Opening.State(state).label)


def checkpoint_covering(s: Scene) -> Checkpoint:
    """The worker issues a checkpoint covering `listing.deadline` while the opening waits."""
    return until(lambda: Checkpoint.objects.filter(size__gte=s.opening.deadline_seq).order_by("size").first(),
                 "the deadline checkpoint")


def key_files(s: Scene, tmp_path) -> dict[str, str]:
    """Key files (passphrase KEY_PASSPHRASE) for the keys registered in Python: each bidder's,
    the custodians', and the supervisor's cosigner key."""
    files = {}

    def write(name: str, role: str, owner: str, private_key: bytes) -> None:
        path = tmp_path / f"{name}.key.json"
        path.write_bytes(seal.make_key_file(role=role, owner=owner, private_key=private_key,
                                            passphrase=KEY_PASSPHRASE))
        files[name] = str(path)

    for n, who in enumerate(s.bidders):
        write(f"bidder{n}", "bidder", who.user.username, who.sk)
    for user in (s.staff, s.supervisor.user):
        write(f"custodian-{user.username}", "custodian", user.username, PRIVATE_KEYS[(user.pk, "custodian")])
    seed = s.supervisor.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    write("cosigner", "cosigner", s.supervisor.user.username, seed)
    return files


def page_as(browser, stack, s: Scene, user: User):
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    log_in(page, stack.url, user.username)
    page.goto(f"{stack.url}/trading/lots/{s.lot.pk}/opening/")
    return page


def events(kind: str) -> list[dict]:
    return [json.loads(e.payload) for e in Event.objects.filter(kind=kind).order_by("seq")]


def submit_part(page, key_file: str, passphrase: str) -> None:
    page.set_input_files("#bidder-key-file", key_file)
    page.fill("#bidder-passphrase", passphrase)
    page.locator("#bidder-submit").click()


def test_the_public_opening_in_the_browser(stack, media, browser, tmp_path):
    s = sealed_tender()
    files = key_files(s, tmp_path)
    checkpoint_covering(s)

    # The supervisor: the page waits for its cosignature; it cosigns and comes back.
    sup = page_as(browser, stack, s, s.supervisor.user)
    expect(sup.locator("#state-label")).to_have_text(label("cosign"), timeout=15_000)
    expect(sup.locator("#envelopes tbody tr")).to_have_count(3)
    sup.locator("#cosign-link").click()
    sup.set_input_files("#cosign-file", files["cosigner"])
    sup.fill("#cosign-passphrase", KEY_PASSPHRASE)
    sup.locator("#cosign-form button[type=submit]").click()
    sup.wait_for_url(f"**/trading/lots/{s.lot.pk}/opening/", timeout=30_000)
    expect(sup.locator("#state-label")).to_have_text(label("keys"), timeout=15_000)
    expect(sup.locator("#steps li.current")).to_have_text(label("keys"))
    expect(sup.locator("#countdown")).to_contain_text(":")  # the window's time left
    opening = s.opening
    assert opening.attempt == 1 and opening.cosigned_checkpoint >= opening.deadline_seq
    assert list(OpenedEnvelope.objects.values_list("lock_code", flat=True)) == [""] * 3  # step 1 passed
    # Before step 5 nothing derived from a bid: no result, no price.
    assert all(not text.strip() for text in sup.locator("#envelopes .result").all_inner_texts())
    assert sup.locator("#prices-card").is_hidden()

    # The bidders, each in its own browser with its own key file.
    bidders = [page_as(browser, stack, s, who.user) for who in s.bidders]
    first = bidders[0]
    expect(first.locator("#bidder-card")).to_be_visible(timeout=15_000)
    posted = []
    first.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    submit_part(first, files["bidder0"], "not my passphrase at all 7")
    expect(first.locator("#bidder-results li.badge.bad")).to_contain_text("KEY_FILE", timeout=20_000)
    assert posted == [] and not KeySubmission.objects.exists()  # nothing sent

    for n, (page, who) in enumerate(zip(bidders, s.bidders, strict=True)):
        expect(page.locator("#bidder-card")).to_be_visible(timeout=15_000)
        submit_part(page, files[f"bidder{n}"], KEY_PASSPHRASE)
        accepted = page.locator("#bidder-results li.badge.ok")
        expect(accepted).to_have_count(1, timeout=30_000)
        row = KeySubmission.objects.get(opened__bid=who.bid, lock_seq=opening.lock_seq)
        assert row.state == KeySubmission.State.ACCEPTED
        expect(accepted).to_contain_text(f"seq {row.seq}")
    # The first bidder's verified receipt is still shown after the others' parts came in.
    expect(first.locator("#bidder-results li.badge.ok")).to_contain_text(
        f"seq {KeySubmission.objects.get(opened__bid=s.bidders[0].bid).seq}")
    assert len(events("seal.key")) == 3

    # The window closes; two custodians give their shares in the browser (the supervisor's
    # page follows the opening live, the staff member's is opened now).
    off_loop(s.clock.move_to, s.opening.keys_close_at + timedelta(seconds=1))
    state_of(s, Opening.State.SHARES)
    assert events("opening.keys_closed")[-1]["missing"] == []
    staff = page_as(browser, stack, s, s.staff)
    for page, user in ((sup, s.supervisor.user), (staff, s.staff)):
        expect(page.locator("#custodian-card")).to_be_visible(timeout=20_000)
        page.set_input_files("#custodian-key-file", files[f"custodian-{user.username}"])
        page.fill("#custodian-passphrase", KEY_PASSPHRASE)
        page.locator("#custodian-submit").click()
        expect(page.locator("#custodian-results li.badge.ok").filter(has_text="form")).to_have_count(
            1, timeout=30_000)
        # A verdict for each of its share files (form and docs), none a refusal: it is honest.
        files_held = ShareFile.objects.filter(custodian=user, listing_key__lot=s.lot).count()
        expect(page.locator("#custodian-results li.badge")).to_have_count(files_held, timeout=15_000)
        assert page.locator("#custodian-results li.badge.bad").count() == 0
    assert sorted(ShareSubmission.objects.filter(state="accepted", share_file__listing_key__kind="form")
                  .values_list("share_file__x", flat=True)) == [2, 3]

    # Decryption done, the prices read out, the record signed: live on the first bidder's page.
    expect(first.locator("#prices-card")).to_be_visible(timeout=60_000)
    expect(first.locator("#prices .price")).to_have_count(3)
    assert set(first.locator("#prices .price").all_inner_texts()) == READ_OUT
    with translation.override("zh-hans"):
        opened = str(OpenedEnvelope.Outcome.OPENED.label)
    assert first.locator("#prices .outcome").all_inner_texts() == [opened] * 3
    bars = first.evaluate("""() => [...document.querySelectorAll('#envelopes progress')]
        .map((bar) => [bar.value, bar.max])""")
    assert len(bars) == 3 and all(total > 0 and done == total for done, total in bars), bars
    assert all(t.strip() == "100%" for t in first.locator("#envelopes [id^=percent-]").all_inner_texts())

    expect(first.locator("#record-verified")).to_have_class("badge ok", timeout=20_000)
    record = events("opening.record")
    assert len(record) == 1 and len(events("opening.result")) == 1
    record = record[0]
    expect(first.locator("#record-sha")).to_have_text(record["record_sha256"])
    expect(first.locator("#record-sig")).to_have_text(record["sig"])
    with first.expect_download() as downloading:
        first.locator("#record-link").click()
    pdf = downloading.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == record["record_sha256"]
    assert seal.record_sig_valid(record_sha256=record["record_sha256"], sig=record["sig"],
                                 platform_pk=platform_keys.public_key())
    assert s.opening.state == Opening.State.CONFIRMING

    # A bidder objects; staff answer on the spot; the bidder's page hears the answer live.
    objecting = bidders[1]
    objecting.evaluate("() => { window.notReloaded = true; }")
    expect(objecting.locator("#respond")).to_be_visible(timeout=15_000)
    objecting.fill("#objection-text", "第二家的报价唱错了，请核对。")
    objecting.locator("#object").click()
    objection = staff.locator("#responses li.response.object")
    expect(objection).to_contain_text("第二家的报价唱错了", timeout=15_000)
    objection.locator("textarea.answer-text").fill("已核对开标记录表，报价与投标文件一致。")
    objection.locator("button.answer-button").click()
    expect(objecting.locator("#responses li.response.object div.answer")).to_contain_text(
        "报价与投标文件一致", timeout=15_000)
    assert objecting.evaluate("() => window.notReloaded === true")
    raised, answered = events("opening.objection"), events("opening.objection_answered")
    assert len(raised) == 1 and len(answered) == 1
    assert raised[0]["text_sha256"] == hashlib.sha256("第二家的报价唱错了，请核对。".encode()).hexdigest()
    assert answered[0]["objection_seq"] == Event.objects.get(kind="opening.objection").seq
    expect(staff.locator("#responses li.response.object textarea.answer-text")).to_have_count(0)  # answered once

    # Another bidder confirms the record; staff see it.
    bidders[2].locator("#confirm").click()
    expect(staff.locator("#responses li.response.confirm")).to_have_count(1, timeout=15_000)
    assert events("opening.confirmed")[0]["record_sha256"] == record["record_sha256"]
    kinds = list(Event.objects.filter(object=f"listing:{s.lot.code}").values_list("kind", flat=True))
    seal.check_opening_order(kinds)
    for page in (sup, staff, *bidders):
        page.context.close()


def test_a_killed_opening_worker_means_a_new_lock_and_the_collection_repeated(stack, media, browser, tmp_path):
    s = sealed_tender()
    files = key_files(s, tmp_path)
    checkpoint_covering(s)
    off_loop(s.cosign)
    first_lock = state_of(s, Opening.State.KEYS)
    assert list(OpenedEnvelope.objects.values_list("lock_code", flat=True)) == [""] * 3
    watching = page_as(browser, stack, s, s.bidders[0].user)
    expect(watching.locator("#bidder-card")).to_be_visible(timeout=15_000)
    expect(watching.locator("#attempt")).to_have_text("1")
    for who in s.bidders:
        off_loop(s.submit_part, who)
    until(lambda: KeySubmission.objects.filter(state="accepted", lock_seq=first_lock.lock_seq).count() == 3,
          "three accepted key parts")
    off_loop(s.clock.move_to, first_lock.keys_close_at + timedelta(seconds=1))
    state_of(s, Opening.State.SHARES)
    expect(watching.locator("#bidder-card")).to_be_hidden(timeout=15_000)
    old_part = off_loop(s.part, s.bidders[0])  # made for the first lock's one-time key

    # The worker dies holding every K_b; a share sent now waits for nobody.
    stack.kill_opening_worker()
    try:
        orphan = off_loop(s.share, 1)
        stack.start_opening_worker()
        relocked = until(lambda: (o := s.opening).attempt == 2 and o.state == Opening.State.KEYS and o,
                         "the new worker's lock", seconds=30)
    finally:
        if stack.opening_worker.poll() is not None:
            stack.start_opening_worker()
    assert relocked.lock_seq > first_lock.lock_seq and relocked.opening_pk != first_lock.opening_pk
    locks = events("opening.lock")
    assert len(locks) == 2 and locks[1]["opening_pk"] == relocked.opening_pk
    assert locks[1]["envelopes"] == locks[0]["envelopes"]
    orphan.refresh_from_db()
    assert orphan.state == ShareSubmission.State.PENDING  # of the dead lock: never decided
    # The page shows the bidders' window again, under the new attempt, the void part gone.
    expect(watching.locator("#attempt")).to_have_text("2", timeout=15_000)
    expect(watching.locator("#bidder-card")).to_be_visible()
    expect(watching.locator("#bidder-results li")).to_have_count(0)
    # A part wrapped to the dead worker's key is refused: the page must send a new one.
    with pytest.raises(LockChanged):
        off_loop(key_submit, opening_id=relocked.pk, by=s.bidders[0].user, lock_seq=first_lock.lock_seq,
                 submission=old_part[0], stanza=old_part[1])

    # The collection again: the first bidder in its browser, the others as the page would.
    submit_part(watching, files["bidder0"], KEY_PASSPHRASE)
    expect(watching.locator("#bidder-results li.badge.ok")).to_have_count(1, timeout=30_000)
    again = KeySubmission.objects.get(opened__bid=s.bidders[0].bid, lock_seq=relocked.lock_seq)
    expect(watching.locator("#bidder-results li.badge.ok")).to_contain_text(f"seq {again.seq}")
    for who in s.bidders[1:]:
        off_loop(s.submit_part, who)
    until(lambda: KeySubmission.objects.filter(state="accepted", lock_seq=relocked.lock_seq).count() == 3,
          "three accepted key parts under the new lock")
    off_loop(s.clock.move_to, s.opening.keys_close_at + timedelta(seconds=1))
    state_of(s, Opening.State.SHARES)
    for x in (1, 3):
        off_loop(s.share, x)
    done = state_of(s, Opening.State.CONFIRMING, seconds=60)
    expect(watching.locator("#prices-card")).to_be_visible(timeout=15_000)
    assert set(watching.locator("#prices .price").all_inner_texts()) == READ_OUT

    assert len(events("opening.result")) == 1 and len(events("opening.record")) == 1
    assert len(events("opening.lock")) == 2 and len(events("opening.keys_closed")) == 2
    assert len(events("seal.key")) == 6  # each part given once per lock
    assert sorted(row["price_fen"] for row in price_rows(done)) == sorted(PRICES)
    kinds = list(Event.objects.filter(object=f"listing:{s.lot.code}").values_list("kind", flat=True))
    seal.check_opening_order(kinds)
    watching.context.close()
