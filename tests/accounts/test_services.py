import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.errors import AlreadyDecided, DuplicateOrganisation, ReasonRequired, RoleNotAllowed
from accounts.models import Organisation, User
from audit.models import Event
from config.errors import NotPermitted
from tests.accounts.factories import OrganisationFactory, valid_credit_code

pytestmark = pytest.mark.django_db


def register(**overrides):
    data = dict(organisation_name="阳光建设工程有限公司", credit_code=valid_credit_code(), username="newbidder",
                email="a@example.cn", first_name="张伟", phone="13800000000", password="Correct-horse-42")
    data.update(overrides)
    return services.registration_submit(**data)


def test_registration_creates_pending_organisation_and_audits_it():
    user = register()
    assert user.role == User.Role.BIDDER
    assert user.organisation.status == Organisation.Status.PENDING
    event = Event.objects.get(kind="account.registered")
    assert event.object == f"organisation:{user.organisation.pk}"
    assert "Correct-horse" not in event.payload


def test_duplicate_credit_code_is_refused_and_nothing_saved():
    code = valid_credit_code()
    register(credit_code=code)
    with pytest.raises(DuplicateOrganisation):
        register(credit_code=code, username="other")
    assert not User.objects.filter(username="other").exists()
    assert Organisation.objects.filter(credit_code=code).count() == 1


def test_invalid_credit_code_saves_nothing():
    with pytest.raises(ValidationError):
        register(credit_code="91350100M000100Y44")
    assert not Organisation.objects.exists() and not User.objects.exists()


def test_weak_password_saves_nothing():
    with pytest.raises(ValidationError):
        register(password="12345678")
    assert not Organisation.objects.exists()


VERIFY_ALLOWED = {"staff": True, "bidder": False, "agent": False, "supervisor": False, "inspector": False,
                  "expert": False}


@pytest.mark.parametrize("role,allowed", VERIFY_ALLOWED.items())
def test_only_staff_verify_registrations(make_user, role, allowed):
    organisation = register().organisation
    actor = make_user(role)
    if allowed:
        services.registration_verify(organisation=organisation, by=actor)
        organisation.refresh_from_db()
        assert organisation.status == Organisation.Status.VERIFIED
        assert Event.objects.filter(kind="account.verified", actor=f"user:{actor.pk}").exists()
    else:
        with pytest.raises(NotPermitted):
            services.registration_verify(organisation=organisation, by=actor)
        organisation.refresh_from_db()
        assert organisation.status == Organisation.Status.PENDING


def test_rejection_needs_a_reason_and_keeps_it(staff):
    organisation = register().organisation
    with pytest.raises(ReasonRequired):
        services.registration_reject(organisation=organisation, by=staff, reason="  ")
    services.registration_reject(organisation=organisation, by=staff, reason="营业执照模糊")
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.REJECTED
    assert organisation.rejection_reason == "营业执照模糊"
    # The reason is stored on the row; the record holds only its hash.
    assert "营业执照" not in Event.objects.get(kind="account.rejected").payload


def test_a_decision_is_final(staff):
    organisation = register().organisation
    services.registration_verify(organisation=organisation, by=staff)
    with pytest.raises(AlreadyDecided):
        services.registration_reject(organisation=organisation, by=staff, reason="改主意")


@pytest.mark.parametrize("role", ["bidder", "agent", "supervisor", "inspector", "expert"])
def test_non_staff_cannot_create_accounts(make_user, role):
    with pytest.raises(NotPermitted):
        services.account_create(by=make_user(role), role=User.Role.EXPERT, username="x1", email="x@example.cn",
                                first_name="X")
    assert not User.objects.filter(username="x1").exists()


def test_staff_created_accounts_have_no_known_password_until_reset(staff, client):
    user = services.account_create(by=staff, role=User.Role.SUPERVISOR, username="sup", email="s@example.cn",
                                   first_name="陈刚")
    assert not user.check_password("") and not user.check_password("sup")
    assert Event.objects.filter(kind="account.created", object=f"user:{user.pk}").exists()


def test_staff_do_not_create_bidders(staff):
    with pytest.raises(RoleNotAllowed):
        services.account_create(by=staff, role=User.Role.BIDDER, username="b", email="b@example.cn",
                                first_name="B", organisation=OrganisationFactory())


def test_deactivation_is_staff_only_and_audited(staff, make_user):
    target = make_user("expert")
    with pytest.raises(NotPermitted):
        services.account_set_active(user=target, by=make_user("inspector"), active=False)
    services.account_set_active(user=target, by=staff, active=False)
    target.refresh_from_db()
    assert not target.is_active
    assert Event.objects.filter(kind="account.deactivated", object=f"user:{target.pk}").exists()
