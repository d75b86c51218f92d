"""The listings index, the agent's list and draft form, and the staff's publication queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit import clock
from tests.accounts.factories import OrganisationFactory, ensure_key
from tests.trading.test_views_support import (ROLES, draft_listing, published_listing,  # noqa: F401
                                              working_days_ahead)
from trading import services
from trading.models import Listing, Status

pytestmark = pytest.mark.django_db


def _deadline_text() -> str:
    return timezone.localtime(clock.now() + timedelta(days=working_days_ahead())).strftime("%Y-%m-%dT10:00")


def listing_post(tenderer, **overrides) -> dict[str, str]:
    data = {"kind": "procurement", "method": "open_tender", "title": "城南污水管网改造", "region": "杭州市",
            "description": "管网改造", "tenderer": str(tenderer.pk), "budget_fen": "1234567.89",
            "deadline": _deadline_text(), "signup_opens_at": "", "signup_closes_at": "", "bidding_ends_at": "",
            "lots-TOTAL_FORMS": "2", "lots-INITIAL_FORMS": "0", "lots-MIN_NUM_FORMS": "1",
            "lots-MAX_NUM_FORMS": "20", "lots-0-title": "一标段", "lots-0-budget_fen": "1000000",
            "lots-0-deposit_fen": "20000.50", "lots-1-title": "", "lots-1-budget_fen": "", "lots-1-deposit_fen": ""}
    data.update(overrides)
    return data


# Who may open which page: the role table (STYLE §4).
PAGES = {
    "trading:listing_index": set(ROLES),
    "trading:my_listings": {"agent"},
    "trading:listing_create": {"agent"},
    "trading:to_publish": {"staff"},
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(client, make_user, page, role):
    client.force_login(make_user(role))
    response = client.get(reverse(page))
    assert response.status_code == (200 if role in PAGES[page] else 403)


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_a_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_index_lists_visible_listings_newest_first(client, make_user):
    agent = make_user("agent")
    older = published_listing(agent)
    newer = published_listing(agent)
    hidden = draft_listing()  # another agent's draft
    client.force_login(make_user("bidder"))
    body = client.get(reverse("trading:listing_index")).content.decode()
    assert body.index(newer.code) < body.index(older.code)
    assert hidden.code not in body


def test_index_paginates(client, make_user):
    agent = make_user("agent")
    listings = [published_listing(agent) for _ in range(21)]
    client.force_login(make_user("bidder"))
    first = client.get(reverse("trading:listing_index")).content.decode()
    second = client.get(reverse("trading:listing_index"), {"page": 2}).content.decode()
    assert listings[0].code not in first and listings[0].code in second
    assert listings[-1].code in first


def test_index_query_budget(client, make_user, django_assert_max_num_queries):
    agent = make_user("agent")
    for _ in range(20):
        published_listing(agent)
    client.force_login(make_user("staff"))
    with django_assert_max_num_queries(7):
        assert client.get(reverse("trading:listing_index")).status_code == 200


def test_my_listings_shows_only_the_agents_own(client, make_user):
    agent = make_user("agent")
    mine, other = draft_listing(agent), draft_listing()
    client.force_login(agent)
    body = client.get(reverse("trading:my_listings")).content.decode()
    assert mine.code in body and other.code not in body


def test_agent_drafts_a_listing_with_lots_in_yuan(client, make_user):
    agent = make_user("agent")
    tenderer = OrganisationFactory()
    client.force_login(agent)
    response = client.post(reverse("trading:listing_create"), listing_post(tenderer))
    listing = Listing.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("trading:listing_detail",
                                                                            args=[listing.pk])
    assert listing.budget_fen == 123456789 and listing.agent == agent.organisation
    lot = listing.lots.get()
    assert (lot.title, lot.budget_fen, lot.deposit_fen) == ("一标段", 100000000, 2000050)
    assert listing.status == Status.DRAFT


@pytest.mark.parametrize("language,needle", [("zh-hans", "最多两位小数"), ("en", "at most two decimal places")])
def test_a_fraction_of_a_fen_is_refused_and_the_form_kept(client, make_user, language, needle):
    client.force_login(make_user("agent"))
    response = client.post(reverse("trading:listing_create"), listing_post(OrganisationFactory(), budget_fen="100.005"),
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body
    assert 'value="城南污水管网改造"' in body and 'value="100.005"' in body
    assert not Listing.objects.exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "不能采用"), ("en", "cannot be run as")])
def test_a_method_the_kind_does_not_allow_is_the_services_refusal(client, make_user, language, needle):
    client.force_login(make_user("agent"))
    response = client.post(reverse("trading:listing_create"),
                           listing_post(OrganisationFactory(), kind="construction", method="single_source"),
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body
    assert 'value="城南污水管网改造"' in body and "一标段" in body
    assert not Listing.objects.exists()


def test_a_listing_needs_a_lot(client, make_user):
    client.force_login(make_user("agent"))
    response = client.post(reverse("trading:listing_create"), listing_post(OrganisationFactory(), **{
        "lots-0-title": "", "lots-0-budget_fen": "", "lots-0-deposit_fen": ""}), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "请至少提交 1 个表单" in response.content.decode()
    assert not Listing.objects.exists()


def test_only_verified_organisations_can_be_the_tenderer(client, make_user):
    client.force_login(make_user("agent"))
    pending = OrganisationFactory(status="pending")
    response = client.post(reverse("trading:listing_create"), listing_post(pending))
    assert response.status_code == 200 and not Listing.objects.exists()


def test_agent_edits_own_draft_and_lots_are_replaced(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    client.force_login(agent)
    form = client.get(reverse("trading:listing_edit", args=[listing.pk])).content.decode()
    assert 'value="阳光小学改造工程"' in form  # the draft comes back in the form, in yuan
    data = listing_post(listing.tenderer, title="改名后的项目", **{
        "lots-1-title": "二标段", "lots-1-budget_fen": "500", "lots-1-deposit_fen": "0"})
    response = client.post(reverse("trading:listing_edit", args=[listing.pk]), data)
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.title == "改名后的项目"
    assert [lot.code for lot in listing.lots.all()] == [f"{listing.code}-01", f"{listing.code}-02"]


# The wrong object: another agent's draft does not exist for them; a published one is not theirs.
@pytest.mark.parametrize("who,stage,expected", [
    ("owner", "draft", 200), ("other_agent", "draft", 404), ("staff", "draft", 403), ("bidder", "draft", 404),
    ("other_agent", "published", 403), ("bidder", "published", 403), ("supervisor", "draft", 404)])
def test_edit_page_per_role_and_object(client, make_user, who, stage, expected):
    agent = make_user("agent")
    listing = published_listing(agent) if stage == "published" else draft_listing(agent)
    client.force_login(agent if who == "owner" else make_user("agent" if who == "other_agent" else who))
    assert client.get(reverse("trading:listing_edit", args=[listing.pk])).status_code == expected


def test_editing_another_agents_draft_changes_nothing(client, make_user):
    listing = draft_listing()
    client.force_login(make_user("agent"))
    response = client.post(reverse("trading:listing_edit", args=[listing.pk]),
                           listing_post(listing.tenderer, title="篡改"))
    assert response.status_code == 404
    listing.refresh_from_db()
    assert listing.title == "阳光小学改造工程"


def test_publication_queue_lists_submitted_listings(client, make_user):
    agent = make_user("agent")
    waiting, still_draft = draft_listing(agent), draft_listing(agent)
    services.listing_submit(listing=waiting, by=agent)
    client.force_login(make_user("staff"))
    body = client.get(reverse("trading:to_publish")).content.decode()
    assert waiting.code in body and still_draft.code not in body


def test_staff_publish_from_the_queue_and_go_back_to_it(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    staff, supervisor = custodians_ready(agent, make_user("staff"), make_user("supervisor"))
    client.force_login(staff)
    queue = reverse("trading:to_publish")
    response = client.post(reverse("trading:listing_publish", args=[listing.pk]),
                           {"next": queue, "publish-supervisor": supervisor.pk})
    assert response.status_code == 302 and response["Location"] == queue
    listing.refresh_from_db()
    assert listing.status == Status.PUBLISHED and listing.rules_in_force


def test_publishing_with_a_supervisor_names_the_custodians(client, make_user):
    agent, staff, supervisor = make_user("agent"), make_user("staff"), make_user("supervisor")
    custodians_ready(agent, staff, supervisor)
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    client.force_login(staff)
    assert supervisor.display_name in client.get(reverse("trading:to_publish")).content.decode()
    client.post(reverse("trading:listing_publish", args=[listing.pk]), {"publish-supervisor": supervisor.pk})
    listing.refresh_from_db()
    assert listing.status == Status.PUBLISHED
    assert {lot.supervisor for lot in listing.lots.all()} == {supervisor}
    assert set(listing.custodians.all()) == {agent, staff, supervisor}


def test_only_a_supervisor_can_be_named(client, make_user):
    agent, staff = make_user("agent"), make_user("staff")
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    client.force_login(staff)
    response = client.post(reverse("trading:listing_publish", args=[listing.pk]), {"publish-supervisor": agent.pk},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == Status.SUBMITTED


def test_staff_return_with_reason_from_the_queue(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    client.force_login(make_user("staff"))
    client.post(reverse("trading:listing_return", args=[listing.pk]),
                {"return-reason": "预算金额与批复不一致", "next": reverse("trading:to_publish")})
    listing.refresh_from_db()
    assert listing.status == Status.DRAFT and listing.status_reason == "预算金额与批复不一致"
    client.force_login(agent)
    assert "预算金额与批复不一致" in client.get(reverse("trading:my_listings")).content.decode()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "staff"])
def test_nobody_else_publishes(client, make_user, role):
    agent = make_user("agent")
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    client.force_login(agent if role == "agent" else make_user(role))
    response = client.post(reverse("trading:listing_publish", args=[listing.pk]))
    assert response.status_code in (403, 404)
    listing.refresh_from_db()
    assert listing.status == Status.SUBMITTED


def test_an_open_redirect_is_not_followed(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    staff, supervisor = custodians_ready(agent, make_user("staff"), make_user("supervisor"))
    client.force_login(staff)
    response = client.post(reverse("trading:listing_publish", args=[listing.pk]),
                           {"next": "https://evil.example/", "publish-supervisor": supervisor.pk})
    assert response["Location"] == reverse("trading:listing_detail", args=[listing.pk])


def test_nav_links_per_role(client, make_user):
    links = {"agent": "/trading/listings/mine/", "staff": "/trading/to-publish/", "supervisor": "/trading/due/"}
    for role in ("agent", "staff", "supervisor", "bidder"):
        client.force_login(make_user(role))
        body = client.get(reverse("home")).content.decode()
        assert "/trading/listings/" in body and "/accounts/inbox/" in body
        for owner, link in links.items():
            assert (link in body) == (role == owner or (owner == "supervisor" and role == "staff")), (role, link)
    assert User.objects.count() == 4


def custodians_ready(agent, staff, supervisor):
    for custodian in (agent, staff, supervisor):
        ensure_key(custodian)
    return staff, supervisor


def test_a_sealed_listing_without_a_supervisor_is_refused_with_the_reason(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    client.force_login(make_user("staff"))
    response = client.post(reverse("trading:listing_publish", args=[listing.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "三名开标密钥保管人之一" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == Status.SUBMITTED and not listing.lots.first().listing_keys.exists()


def test_publishing_names_the_custodians_without_a_key(client, make_user):
    agent, staff, supervisor = make_user("agent"), make_user("staff"), make_user("supervisor", first_name="王监督")
    ensure_key(agent)
    ensure_key(staff)
    listing = draft_listing(agent)
    services.listing_submit(listing=listing, by=agent)
    client.force_login(staff)
    response = client.post(reverse("trading:listing_publish", args=[listing.pk]),
                           {"publish-supervisor": supervisor.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "王监督" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == Status.SUBMITTED
