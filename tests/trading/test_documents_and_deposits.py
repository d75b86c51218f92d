from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.models import Event
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.trading.factories import draft, publish, published
from trading import services, signup
from trading.errors import DocumentRefused
from trading.models import Deposit, Document, DueItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True


def test_a_document_is_stored_with_its_hash_and_recorded():
    listing = draft()
    document = services.document_add(listing=listing, by=listing.created_by, title="招标文件",
                                     upload=SimpleUploadedFile("tender.pdf", b"%PDF-1.4 tender"))
    assert len(document.sha256) == 64 and document.size == 15
    assert Event.objects.filter(kind="listing.document_added").exists()


@pytest.mark.parametrize("name,content,needle", [("virus.exe", b"MZ", "pdf"), ("big.pdf", b"x" * 2048, "MB")])
def test_refused_documents_save_nothing(settings, name, content, needle):
    settings.TRADING_DOCUMENT_MAX_BYTES = 1024
    listing = draft()
    with pytest.raises(DocumentRefused, match=needle):
        services.document_add(listing=listing, by=listing.created_by, title="文件",
                              upload=SimpleUploadedFile(name, content))
    assert not Document.objects.exists()


def test_another_agent_cannot_add_documents():
    listing = draft()
    with pytest.raises(NotPermitted):
        services.document_add(listing=listing, by=UserFactory(role=User.Role.AGENT), title="x",
                              upload=SimpleUploadedFile("a.pdf", b"%PDF"))


def test_publish_with_a_supervisor_names_the_three_custodians():
    staff, supervisor = UserFactory(role=User.Role.STAFF), UserFactory(role=User.Role.SUPERVISOR)
    listing = draft()
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff, supervisor=supervisor)
    assert set(listing.custodians.all()) == {listing.created_by, staff, supervisor}
    assert listing.lots.get().supervisor == supervisor


def test_deposits_confirmed_by_staff_and_refund_clock_tracked():
    listing = published(kind="construction", method="open_tender", days=25)
    lot = listing.lots.get()
    bidder, staff = UserFactory(role=User.Role.BIDDER), UserFactory(role=User.Role.STAFF)
    registration = signup.registration_create(lot=lot, by=bidder)
    deposit = signup.deposit_declare(registration=registration, by=bidder, amount_fen=lot.deposit_fen,
                                     reference="BANK-1")
    with pytest.raises(NotPermitted):
        signup.deposit_confirm(deposit=deposit, by=bidder)
    signup.deposit_confirm(deposit=deposit, by=staff)
    signup.deposits_refund_due(lot=lot, keep_for=set(), after=listing.deadline)
    deposit.refresh_from_db()
    assert deposit.status == Deposit.DepositStatus.REFUND_DUE
    assert deposit.refund_due_at - listing.deadline <= timedelta(days=5 + 3)  # 5 days, to 24:00, past a weekend
    assert DueItem.objects.filter(what=f"refunds:{lot.code}", done_at__isnull=True).exists()
    signup.deposit_refunded(deposit=deposit, by=staff)
    assert not DueItem.objects.filter(what=f"refunds:{lot.code}", done_at__isnull=True).exists()


def test_sign_up_closes_on_time():
    from trading.errors import SignUpClosed

    listing = published(kind="construction", method="open_tender", days=25)
    with time_machine.travel(listing.signup_closes_at + timedelta(seconds=1), tick=False), \
            pytest.raises(SignUpClosed):
        signup.registration_create(lot=listing.lots.get(), by=UserFactory(role=User.Role.BIDDER))
