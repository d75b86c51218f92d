import itertools

import factory

from accounts.credit_code import check_character
from accounts.models import Organisation, User
from audit import clock

_codes = itertools.count(1)


def valid_credit_code() -> str:
    first17 = f"91330100MA{next(_codes):07d}"
    return first17 + check_character(first17)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试建设有限公司{n}")
    credit_code = factory.LazyFunction(valid_credit_code)
    status = Organisation.Status.VERIFIED
    created_at = factory.LazyFunction(clock.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    role = User.Role.BIDDER
    organisation = factory.Maybe(
        factory.LazyAttribute(lambda u: u.role in (User.Role.BIDDER, User.Role.AGENT)),
        yes_declaration=factory.SubFactory(OrganisationFactory), no_declaration=None)
    password = factory.django.Password("Correct-horse-42")
