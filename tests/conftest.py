import os

import pytest
from django.db import connection

from accounts.models import User
from audit import clock
from tests.accounts.factories import UserFactory

ROLES = [r.value for r in User.Role]


@pytest.fixture(autouse=True)
def _fresh_clock_cache():
    # The offset cache lives for a second per process; a rolled-back test must not leak it.
    clock.forget_cached_offset()
    yield
    clock.forget_cached_offset()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Every test writes its files (documents, envelopes, uploads) under its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(db):
    def make(role: str = User.Role.BIDDER, **kwargs):
        return UserFactory(role=role, **kwargs)
    return make


@pytest.fixture
def staff(make_user):
    return make_user(User.Role.STAFF, is_staff=True)


@pytest.fixture
def inspector(make_user):
    return make_user(User.Role.INSPECTOR)


def requires_postgresql():
    """The one allowed skip: row locks, triggers and concurrency need PostgreSQL (CI runs them)."""
    return pytest.mark.skipif(connection.vendor != "postgresql",
                              reason="needs PostgreSQL (row locks, triggers); runs under .ci/run")


@pytest.fixture(autouse=True, scope="session")
def _ci_runs_on_real_services():
    # On CI the suite must exercise PostgreSQL and Redis, not the embedded default.
    if os.environ.get("CI"):
        assert connection.vendor == "postgresql", "CI must run on PostgreSQL (.ci/run sets DATABASE_URL)"
        assert os.environ.get("REDIS_URL"), "CI must run on Redis (.ci/run sets REDIS_URL)"


def pytest_collection_modifyitems(config, items):
    """Browser journeys last: Playwright's sync API leaves an event loop on the main thread,
    and the realtime broadcasts of later tests would then refuse async_to_sync there."""
    items.sort(key=lambda item: "tests/e2e/" in str(item.fspath).replace("\\", "/"))
