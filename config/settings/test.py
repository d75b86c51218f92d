"""Test settings: base plus speed. The database and Redis come from the environment
(.ci/run points them at PostgreSQL and a flushed Redis database)."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SUNBID_CENTER_ID = env("SUNBID_CENTER_ID", default="test")
SUNBID_DEMO_CLOCK = True
AXES_FAILURE_LIMIT = 3
