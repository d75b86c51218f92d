"""Draw journeys in chromium against the real stack (Daphne, Celery worker and beat, Redis):

Staff create an expert draw for a procurement lot and freeze it; the supervisor cosigns the
freeze checkpoint in the browser with the key file and types the witness; experts are
called; one declines on its own page and the first backup is called (the staff room sees it
live); after the award an inspector verifies the draw on its public page, recomputed in the
browser. Then the same for a fixed-price contractor draw, whose cosigning in the same
supervisor browser goes through a consistency proof; last, a forged earlier note in that
browser raises the fork alarm and nothing is signed.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from playwright.sync_api import expect

from accounts.keys import key_register
from accounts.models import User
from audit import clock
from audit.models import Checkpoint
from experts.models import Draw, Pick
from tests.accounts.factories import OrganisationFactory
from tests.e2e.conftest import PASSWORD, log_in, off_loop
from tests.experts.factories import expert, fixed_price_lot, lot_with_supervisor, specialty
from trading.models import Registration
from trading.seal.keyfile import make_key_file

pytestmark = pytest.mark.e2e
PASSPHRASE = "dice roll lantern harbour 42"


def person(username: str, role: str, **extra) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, first_name=username, **extra)


def cosigner_key_file(user: User, tmp_path) -> str:
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    pk = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_register(by=user, purpose="cosigner", public_key_hex=pk.hex())
    path = tmp_path / f"{user.username}.key.json"
    path.write_bytes(make_key_file(role="cosigner", owner=user.username, private_key=seed, passphrase=PASSPHRASE))
    return str(path)


def page_as(browser, stack, username):
    page = browser.new_context(locale="zh-CN").new_page()
    log_in(page, stack.url, username)
    return page


def create_and_freeze(staff, stack, lot, *, experts: bool):
    staff.goto(stack.url + "/experts/draws/")
    staff.locator(f"a[data-lot='{lot.code}']").click()
    if experts:
        staff.select_option("#id_specialties", ["A0801"])
        staff.fill("#id_k", "3")
        staff.fill("#id_m", "2")
    staff.locator("#draw-form button[type=submit]").click()
    expect(staff.locator("#draw-state")).to_have_attribute("data-state", "created")
    staff.locator("#freeze").click()
    expect(staff.locator("#anchor")).to_be_visible()
    expect(staff.locator("#not-cosigned")).to_be_visible()
    return Draw.objects.get(lot=lot)


def cosign_and_witness(sup, stack, draw, key_file, witness):
    sup.goto(stack.url + f"/experts/rooms/{draw.pk}/")
    expect(sup.locator("#anchor")).to_have_text(Draw.objects.get(pk=draw.pk).anchor)
    assert sup.locator("#witness-form").count() == 0  # closed until the cosignature
    sup.locator("#cosign-link").click()
    sup.set_input_files("#cosign-file", key_file)
    sup.fill("#cosign-passphrase", PASSPHRASE)
    sup.locator("#cosign-form button[type=submit]").click()
    expect(sup.locator("#witness-form")).to_be_visible(timeout=30_000)  # back in the room
    expect(sup.locator("#cosigned")).to_be_visible()
    sup.fill("#id_witness", "12345")  # too short: a clear error, nothing recorded
    sup.locator("#witness-form button[type=submit]").click()
    expect(sup.locator(".messages")).to_contain_text("6")
    assert Draw.objects.get(pk=draw.pk).state == "frozen"
    sup.fill("#id_witness", witness)
    sup.locator("#witness-form button[type=submit]").click()
    expect(sup.locator("#result")).to_be_visible()


def decline_on_own_page(browser, stack, username, pick):
    page = page_as(browser, stack, username)
    page.goto(stack.url + "/experts/calls/")
    page.locator(f"a[href='/experts/calls/{pick.pk}/']").click()
    page.locator("input[name=answer][value=decline]").check()
    page.fill("#id_text", "出差在外")
    page.locator("#reply-form button[type=submit]").click()
    expect(page.locator("#reply-form")).to_have_count(0)
    assert Pick.objects.get(pk=pick.pk).status == "declined"
    page.context.close()


def verify_on_public_page(browser, stack, draw):
    inspector = page_as(browser, stack, "inspector1")
    inspector.goto(stack.url + f"/experts/public/{draw.draw_id}/")
    inspector.locator("#verify-button").click()
    expect(inspector.locator("#verify-result")).to_have_class("badge ok", timeout=20_000)
    # Recomputed in the browser (candidates public), not only the commitment checked.
    expected = inspector.locator("#verify-button").get_attribute("data-recomputed")
    expect(inspector.locator("#verify-result")).to_have_text(expected)
    inspector.context.close()


def test_expert_and_contractor_draws(stack, browser, tmp_path):
    specialty("A0801")
    person("staff1", User.Role.STAFF)
    supervisor = person("sup1", User.Role.SUPERVISOR)
    person("inspector1", User.Role.INSPECTOR)
    key_file = cosigner_key_file(supervisor, tmp_path)

    class _Sup:  # lot_with_supervisor wants a Supervisor-like object with .user
        user = supervisor

    lot, _ = off_loop(lot_with_supervisor, kind="procurement", supervisor=_Sup())
    experts = [expert(name=f"专家{i}", user=person(f"expert{i}", User.Role.EXPERT)) for i in range(8)]

    staff = page_as(browser, stack, "staff1")
    draw = create_and_freeze(staff, stack, lot, experts=True)
    assert draw.n_candidates == 8

    sup = page_as(browser, stack, "sup1")
    cosign_and_witness(sup, stack, draw, key_file, "402917")
    draw.refresh_from_db()
    assert draw.state == "drawn" and len(draw.drawn) == 3
    assert not any(e.name in sup.content() for e in experts)  # names stay secret before the award

    staff.goto(stack.url + f"/experts/rooms/{draw.pk}/")
    expect(staff.locator("#picks tr[data-position='4']")).to_have_attribute("data-status", "waiting")
    expect(staff.locator("#live-state")).to_have_attribute("data-live", "1")
    second = Pick.objects.select_related("expert__user").get(draw=draw, position=2)
    decline_on_own_page(browser, stack, second.expert.user.username, second)
    # The staff room hears it over the socket, without a reload.
    expect(staff.locator("#picks tr[data-position='4']")).to_have_attribute("data-status", "called", timeout=15_000)
    expect(staff.locator("#picks tr[data-position='2']")).to_have_attribute("data-status", "declined")

    lot.listing.status = "awarded"  # the award itself is the trading app's journey
    lot.listing.save(update_fields=["status"])
    staff.reload()
    if staff.locator("#reveal").count():
        staff.locator("#reveal").click()
    expect(staff.locator("#secret")).to_be_visible(timeout=40_000)
    verify_on_public_page(browser, stack, draw)

    # The fixed-price contractor draw: qualified registrants are the pool.
    fp_lot, _ = off_loop(fixed_price_lot, supervisor=_Sup())
    firms = []
    for i in range(4):
        org = OrganisationFactory(name=f"建筑公司{i}")
        bidder = person(f"firm{i}", User.Role.BIDDER, organisation=org)
        Registration.objects.create(lot=fp_lot, organisation=org, signed_up_at=clock.now(), signed_up_by=bidder,
                                    status="qualified")
        firms.append(org)
    fp_draw = create_and_freeze(staff, stack, fp_lot, experts=False)
    assert fp_draw.n_candidates == 4 and fp_draw.k == 1 and fp_draw.m == 2
    cosign_and_witness(sup, stack, fp_draw, key_file, "987654")  # consistency proof from the first cosignature
    fp_draw.refresh_from_db()
    assert fp_draw.state == "revealed"  # contractor draws reveal at once
    winner = Pick.objects.select_related("organisation").get(draw=fp_draw, position=1)
    decline_on_own_page(browser, stack, User.objects.get(organisation=winner.organisation).username, winner)
    assert Pick.objects.get(draw=fp_draw, position=2).status == "called"
    public = page_as(browser, stack, "inspector1")
    public.goto(stack.url + f"/experts/public/{fp_draw.draw_id}/")
    expect(public.locator("#drawn")).to_contain_text(winner.organisation.name)  # published at once
    public.context.close()
    verify_on_public_page(browser, stack, fp_draw)

    # A fork: this browser once cosigned another root at the latest size; it refuses and alarms.
    latest = Checkpoint.objects.order_by("-size").first()
    forged = {"size": latest.size, "root": "00" * 32, "note": "forged earlier note"}
    sup.goto(stack.url + f"/audit/cosign/{latest.size}/")
    sup.evaluate("""([origin, name, entry]) => {
        const key = `sunbid-cosigner:${origin}:${name}`;
        const kept = JSON.parse(localStorage.getItem(key));
        kept.notes.push(entry);
        localStorage.setItem(key, JSON.stringify(kept));
    }""", [sup.locator("#cosign").get_attribute("data-origin"), sup.locator("#cosign").get_attribute("data-name"),
           forged])
    sup.set_input_files("#cosign-file", key_file)
    sup.fill("#cosign-passphrase", PASSPHRASE)
    sup.locator("#cosign-form button[type=submit]").click()
    expect(sup.locator("#cosign-status")).to_have_class("badge bad", timeout=15_000)
    assert sup.locator("#cosign-status").inner_text() == sup.locator("#cosign").get_attribute("data-fork")
    expect(sup.locator("#fork-alarm")).to_be_visible()
    expect(sup.locator("#fork-alarm .previous")).to_have_text("forged earlier note")
    kept = json.loads(sup.evaluate("() => JSON.stringify(Object.assign({}, localStorage))"))
    assert len(kept) == 1
