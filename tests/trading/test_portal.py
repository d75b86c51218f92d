import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.trading.factories import draft, published
from trading import signup
from trading.services import LotInput

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True


def test_anonymous_sees_published_notices_not_drafts(client):
    shown = published(kind="construction", method="open_tender", days=25)
    hidden = draft()
    body = client.get(reverse("portal:notices"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert shown.code in body and hidden.code not in body


@pytest.mark.parametrize("params,kept", [
    ({"kind": "construction"}, "ZB"), ({"kind": "procurement"}, "CG"), ({"q": "医院"}, "CG"),
    ({"budget_min": "5000000"}, "ZB"), ({"budget_max": "2000000"}, "CG"), ({"region": "西湖"}, "ZB")])
def test_filters(client, params, kept):
    big = published(kind="construction", method="open_tender", days=25, budget_fen=900_000_000,
                    lots=[LotInput("一标段", 900_000_000)], region="西湖区")
    small = published(kind="procurement", method="open_tender", days=25, budget_fen=100_000_000,
                      lots=[LotInput("设备", 100_000_000)], region="上城区")
    small.title = "人民医院设备采购"
    small.refresh_search_text()
    small.save()
    body = client.get(reverse("portal:notices"), params).content.decode()
    wanted, other = (big, small) if kept == "ZB" else (small, big)
    assert wanted.code in body and other.code not in body


@pytest.mark.parametrize("language,needle", [("zh-hans", "预算范围"), ("en", "budget range")])
def test_a_backwards_budget_range_is_explained(client, language, needle):
    response = client.get(reverse("portal:notices"), {"budget_min": "9", "budget_max": "1"},
                          HTTP_ACCEPT_LANGUAGE=language)
    assert needle in response.content.decode().lower()


@pytest.mark.parametrize("params", [{"q": "x" * 101}, {"budget_min": "lots"}])
def test_bad_queries_get_a_message_not_an_error(client, params):
    response = client.get(reverse("portal:notices"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_the_list_keeps_its_query_budget(client, django_assert_max_num_queries):
    for _ in range(25):
        published(kind="construction", method="open_tender", days=25,
                  lots=[LotInput("一标段", 100_000_000), LotInput("二标段", 100_000_000)])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("portal:notices")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("portal:notices"), {"q": "改造", "kind": "construction"}).status_code == 200


def test_portal_feed_and_detail_hide_sign_ups_and_reserve(client):
    listing = published(kind="construction", method="open_tender", days=25)
    listing.lots.update(reserve_fen=12_345_600)
    bidder = UserFactory(role=User.Role.BIDDER)
    signup.registration_create(lot=listing.lots.get(), by=bidder)
    pages = [client.get(reverse("portal:notices")), client.get(reverse("portal:feed")),
             client.get(reverse("trading:listing_detail", args=[listing.pk]))]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert bidder.organisation.name not in body and "123456" not in body and "123,456" not in body


def test_feed_is_atom_with_failed_reasons(client):
    from trading import services

    listing = published(kind="construction", method="open_tender", days=25)
    services.listing_fail(listing=listing, by=UserFactory(role=User.Role.STAFF), reason="投标人不足三家")
    body = client.get(reverse("portal:feed")).content.decode()
    assert "http://www.w3.org/2005/Atom" in body and "投标人不足三家" in body


@pytest.mark.parametrize("role", ["bidder", "expert", "agent", None])
def test_no_role_but_staff_and_supervisors_learns_sign_ups_on_portal_feed_or_open_data(client, role):
    from tests.accounts.factories import OrganisationFactory

    listing = published(kind="construction", method="open_tender", days=25)
    listing.lots.update(reserve_fen=12_345_600)
    others = [UserFactory(role=User.Role.BIDDER, organisation=OrganisationFactory(name=f"秘密报名单位{i}"))
              for i in range(2)]
    for other in others:
        signup.registration_create(lot=listing.lots.get(), by=other)
    if role:
        client.force_login(UserFactory(role=role))
    for url in (reverse("portal:notices"), reverse("portal:feed"), f"/open-data/listings/{listing.code}.json",
                reverse("trading:listing_detail", args=[listing.pk])):
        body = client.get(url).content.decode("utf-8")
        assert "秘密报名单位" not in body and "123456" not in body and "123,456" not in body
