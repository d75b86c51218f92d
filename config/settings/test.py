"""Test settings: base plus speed. The database and Redis come from the environment
(.ci/run points them at PostgreSQL and a flushed Redis database)."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SUNBID_CENTER_ID = env("SUNBID_CENTER_ID", default="test")
SUNBID_DEMO_CLOCK = True
AXES_FAILURE_LIMIT = 3

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the browser journeys' Daphne and Celery processes open it too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# Serve static files straight from the apps: no collectstatic step between edits and tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Years after the holiday package's data count as ordinary weeks up to 2030 (2031 stays
# unentered, for the tests of that refusal), so the suite does not age with the real date.
TRADING_PROVISIONAL_CALENDAR_UNTIL = 2030
