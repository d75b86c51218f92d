import pytest
from django.core.management import call_command

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from accounts.models import Organisation, User
from audit import clock
from audit.integrity import verify_database
from audit.models import Event
from bidroom.models import Booking
from trading.models import Kind, Listing, Method

pytestmark = pytest.mark.django_db


def test_load_demo_builds_a_real_history_once(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo")
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD) and user.role == login.role
    assert set(Organisation.objects.values_list("status", flat=True)) == {"verified", "rejected", "pending"}
    events = list(Event.objects.order_by("seq"))
    # History runs forward from weeks ago, never past platform time.
    assert (clock.now() - events[0].ts).days >= 20 and events[-1].ts <= clock.now()
    assert [e.ts for e in events] == sorted(e.ts for e in events)
    assert verify_database().ok
    listings = Listing.objects.all()
    assert listings.count() >= 30
    assert {kind for kind, _ in Kind.choices} == set(listings.values_list("kind", flat=True))
    assert {method for method, _ in Method.choices} == set(listings.values_list("method", flat=True))
    assert len(set(listings.values_list("status", flat=True))) >= 15
    assert Booking.objects.filter(starts_at__gte=clock.now()).exists()  # rooms booked for the coming days
    count = Event.objects.count()
    call_command("load_demo")
    assert Event.objects.count() == count and User.objects.filter(username="staff").count() == 1


def test_the_demo_people_have_registered_keys_and_key_files_that_open(settings, tmp_path):
    from accounts.demo_keys import DEMO_KEY_PASSPHRASE
    from accounts.keys import key_current
    from trading import seal
    from trading.models import ListingKey

    settings.VAR_DIR = tmp_path
    call_command("load_demo")
    for username, purpose in [("bidder", "bidder"), ("agent", "custodian"), ("staff", "custodian"),
                              ("supervisor", "custodian"), ("supervisor", "cosigner"), ("inspector", "archive")]:
        path = tmp_path / "demo-keys" / f"{username}-{purpose}.key.json"
        opened = seal.read_key_file(path.read_bytes(), DEMO_KEY_PASSPHRASE)
        registered = key_current(owner=User.objects.get(username=username), purpose=purpose)
        assert opened.pk.hex() == registered.public_key
    # Sealed-bid listings were published with their listing keys.
    assert ListingKey.objects.filter(lot__listing__kind="construction").exists()
    # The demo bidders sealed prices to the listings they signed up for; only ciphertext is held.
    from trading.models import Envelope

    assert Envelope.objects.filter(kind="form").count() >= 10
