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


# Personal keys: made here as a browser would, the private half kept for the test that needs it.
PRIVATE_KEYS: dict[tuple[int, str], bytes] = {}


def register_key(user: User, purpose: str = "custodian") -> bytes:
    """Register a fresh P-256 key of `purpose` for `user`; returns its private scalar."""
    from accounts.keys import key_register
    from trading import seal

    sk, pk = seal.new_key_pair()
    key_register(by=user, purpose=purpose, public_key_hex=pk.hex())
    PRIVATE_KEYS[(user.pk, purpose)] = sk
    return sk


def ensure_key(user: User, purpose: str = "custodian") -> bytes | None:
    """The user's private key of `purpose`, registering one first if the role uses it."""
    from accounts.keys import ALLOWED, key_current

    if purpose not in ALLOWED.get(user.role, set()):
        return None
    if key_current(owner=user, purpose=purpose) is None or (user.pk, purpose) not in PRIVATE_KEYS:
        return register_key(user, purpose)
    return PRIVATE_KEYS[(user.pk, purpose)]
