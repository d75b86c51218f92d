"""Concurrent appends on PostgreSQL: the head row lock keeps the chain gapless and unforked."""

import threading

import pytest
from django.db import connections

from audit.models import Event
from audit.services import event_append
from tests.conftest import requires_postgresql


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_four_writers_make_one_gapless_chain():
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                event_append(kind="test.concurrent", actor="system", object=f"w:{n}", payload={"i": i})
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 101))
    from audit.integrity import verify_database

    assert verify_database().ok
