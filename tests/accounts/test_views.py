import pytest
from django.urls import reverse

from accounts.models import Organisation, User
from audit.models import Event
from tests.accounts.factories import valid_credit_code

pytestmark = pytest.mark.django_db

FORM = {"organisation_name": "阳光建设工程有限公司", "address": "杭州", "first_name": "张伟", "phone": "13800000000",
        "email": "zw@example.cn", "username": "zhangwei", "password1": "Correct-horse-42",
        "password2": "Correct-horse-42"}


def post_registration(client, language="zh-hans", **overrides):
    data = dict(FORM, credit_code=valid_credit_code())
    data.update(overrides)
    return client.post(reverse("accounts:register"), data, HTTP_ACCEPT_LANGUAGE=language)


def test_registration_form_creates_pending_bidder(client):
    response = post_registration(client)
    assert response.status_code == 302
    assert Organisation.objects.get().status == Organisation.Status.PENDING
    assert User.objects.get(username="zhangwei").role == User.Role.BIDDER


@pytest.mark.parametrize("language,needle", [("zh-hans", "统一社会信用代码"), ("en", "unified social credit code")])
def test_invalid_credit_code_is_explained_and_form_kept(client, language, needle):
    response = post_registration(client, language, credit_code="91350100M000100Y44")
    assert response.status_code == 200
    body = response.content.decode()
    assert needle in body
    assert "阳光建设工程有限公司" in body  # what the user typed comes back
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "已经注册"), ("en", "already registered")])
def test_duplicate_organisation_is_refused(client, language, needle):
    code = valid_credit_code()
    post_registration(client, credit_code=code)
    response = post_registration(client, language, credit_code=code, username="other")
    assert needle in response.content.decode()
    assert Organisation.objects.count() == 1 and not User.objects.filter(username="other").exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "密码"), ("en", "password")])
def test_weak_password_is_refused(client, language, needle):
    response = post_registration(client, language, password1="12345678", password2="12345678")
    assert response.status_code == 200
    assert needle in response.content.decode().lower()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "该字段是必填项"), ("en", "This field is required")])
def test_missing_fields_are_named(client, language, needle):
    response = client.post(reverse("accounts:register"), {}, HTTP_ACCEPT_LANGUAGE=language)
    assert needle in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "不超过 100 字符"), ("en", "at most 100 characters")])
def test_over_long_name_is_refused(client, language, needle):
    response = post_registration(client, language, organisation_name="公" * 101)
    assert needle in response.content.decode()
    assert not Organisation.objects.exists()


PAGES = ["accounts:verification_queue", "accounts:account_list", "audit:events"]
ALLOWED = {"accounts:verification_queue": {"staff"}, "accounts:account_list": {"staff"},
           "audit:events": {"inspector"}}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", [r.value for r in User.Role])
def test_staff_pages_per_role(client, make_user, page, role):
    client.force_login(make_user(role))
    response = client.get(reverse(page))
    assert response.status_code == (200 if role in ALLOWED[page] else 403)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_staff_verify_through_the_queue(client, staff):
    post_registration(client)
    organisation = Organisation.objects.get()
    client.force_login(staff)
    assert organisation.credit_code in client.get(reverse("accounts:verification_queue")).content.decode()
    client.post(reverse("accounts:registration_decide", args=[organisation.pk]), {"decision": "verify"})
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.VERIFIED


def test_bidder_sees_rejection_reason_on_home(client, staff):
    post_registration(client)
    organisation = Organisation.objects.get()
    client.force_login(staff)
    client.post(reverse("accounts:registration_decide", args=[organisation.pk]),
                {"decision": "reject", "reason": "营业执照模糊"})
    client.force_login(User.objects.get(username="zhangwei"))
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "营业执照模糊" in body and "已驳回" in body


def test_bidder_cannot_decide_registrations(client, make_user):
    post_registration(client)
    organisation = Organisation.objects.get()
    client.force_login(make_user("bidder"))
    response = client.post(reverse("accounts:registration_decide", args=[organisation.pk]), {"decision": "verify"})
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PENDING


def test_staff_create_account_and_a_reset_mail_goes_out(client, staff, mailoutbox):
    client.force_login(staff)
    response = client.post(reverse("accounts:account_list"), {
        "role": "inspector", "username": "insp", "first_name": "刘洋", "email": "insp@example.cn"})
    assert response.status_code == 302
    assert User.objects.get(username="insp").role == User.Role.INSPECTOR
    assert len(mailoutbox) == 1 and "/accounts/reset/" in mailoutbox[0].body


def test_logins_and_failures_are_recorded(client, make_user):
    user = make_user("bidder")
    client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong-password-1"})
    client.post(reverse("accounts:login"), {"username": user.username, "password": "Correct-horse-42"})
    kinds = list(Event.objects.values_list("kind", flat=True))
    assert kinds == ["account.login_failed", "account.login"]


def test_repeated_failures_lock_the_account_and_are_recorded(client, make_user, settings):
    user = make_user("bidder")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong-password-1"})
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "Correct-horse-42"})
    assert response.status_code == 429
    assert Event.objects.filter(kind="account.locked_out").exists()
    assert not Event.objects.filter(kind="account.login").exists()


def test_language_switch_is_on_every_page(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'name="language"' in body and "English" in body
