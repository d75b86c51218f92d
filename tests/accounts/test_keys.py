from datetime import timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.urls import reverse

from accounts import keys
from accounts.models import PublicKey, User
from audit import clock
from audit.models import Event
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def p256() -> str:
    return ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint).hex()


def ed25519() -> str:
    return Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


@pytest.mark.parametrize("role,purpose,allowed", [
    ("bidder", "bidder", True), ("bidder", "custodian", False), ("agent", "custodian", True),
    ("staff", "custodian", True), ("supervisor", "cosigner", True), ("supervisor", "custodian", True),
    ("inspector", "archive", True), ("expert", "bidder", False), ("inspector", "bidder", False)])
def test_who_registers_which_key(role, purpose, allowed):
    user = UserFactory(role=role)
    value = ed25519() if purpose == "cosigner" else p256()
    if allowed:
        row = keys.key_register(by=user, purpose=purpose, public_key_hex=value)
        assert row.fingerprint and Event.objects.filter(kind="key.registered", object=f"user:{user.pk}").exists()
    else:
        with pytest.raises(keys.KeyPurposeNotAllowed):
            keys.key_register(by=user, purpose=purpose, public_key_hex=value)


@pytest.mark.parametrize("purpose,value", [("bidder", "04" + "00" * 64), ("bidder", "zz"), ("bidder", "02" + "11" * 32),
                                           ("cosigner", "01" + "00" * 31)])
def test_invalid_keys_are_refused_and_the_old_one_stays(purpose, value):
    user = UserFactory(role="bidder" if purpose == "bidder" else "supervisor")
    good = keys.key_register(by=user, purpose=purpose, public_key_hex=p256() if purpose == "bidder" else ed25519())
    with pytest.raises(keys.KeyInvalid):
        keys.key_register(by=user, purpose=purpose, public_key_hex=value)
    assert keys.key_current(owner=user, purpose=purpose) == good


def test_a_replacement_is_recorded_and_the_old_key_stays_the_key_of_its_time():
    user = UserFactory(role="bidder")
    first = keys.key_register(by=user, purpose="bidder", public_key_hex=p256())
    then = clock.now()
    with time_machine.travel(then + timedelta(hours=1), tick=False):
        second = keys.key_register(by=user, purpose="bidder", public_key_hex=p256())
    assert keys.key_current(owner=user, purpose="bidder") == second
    assert keys.key_at(owner=user, purpose="bidder", moment=then + timedelta(minutes=30)) == first
    assert keys.key_at(owner=user, purpose="bidder", moment=then + timedelta(hours=2)) == second
    assert PublicKey.objects.filter(owner=user).count() == 2
    assert Event.objects.filter(kind="key.replaced").exists()


def test_the_key_page_registers_and_lists_only_ones_own_keys(client):
    user, other = UserFactory(role="bidder"), UserFactory(role="bidder")
    keys.key_register(by=other, purpose="bidder", public_key_hex=p256())
    client.force_login(user)
    response = client.post(reverse("accounts:keys"), {"purpose": "bidder", "public_key": p256()})
    assert response.status_code == 302
    listed = client.get(reverse("accounts:my_keys")).json()["keys"]
    assert [k["fingerprint"] for k in listed] == [keys.key_current(owner=user, purpose="bidder").fingerprint]


def test_the_key_page_explains_a_bad_key(client):
    client.force_login(UserFactory(role="bidder"))
    body = client.post(reverse("accounts:keys"), {"purpose": "bidder", "public_key": "04" + "00" * 64},
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "P-256" in body
    assert not PublicKey.objects.exists()


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("accounts:keys")).status_code == 302
    assert User.objects.count() == 0
