"""Everything, with the embedded defaults: SQLite and the private Redis that `./run` starts.

Deployments differ only by environment variables; production.py adds hardening and
refuses the demo clock. Read STYLE.md §7.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Only the embedded default may fall back to a development key; production.py has no default.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="sunbid-embedded-default-not-for-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "django_celery_beat",
    "axes",
    "rules",
    "accounts",
    "audit",
    "trading",
    "experts",
    "bidroom",
    "recording",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Daphne serves no static files by itself; WhiteNoise does, in the demo and behind a proxy.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "audit.context_processors.platform_clock",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sunbid.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: take the write lock at BEGIN and wait for it,
    # so audit appends serialise instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30,
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
else:
    # Under Daphne a persistent connection per thread piles up; psycopg's pool instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["pool"] = env.bool("DATABASE_POOL", default=True)
    # A durable commit waits for the WAL fsync (measured here: 256 commits/s against 3,000
    # without). Commits are acknowledged before the flush; whatever leaves the platform (a
    # signed checkpoint, later a receipt) is written in a transaction that sets
    # synchronous_commit back on, which flushes the WAL up to it and everything before.
    # A database crash can then lose the last fraction of a second of commits, all of a
    # piece (state and record share a transaction), never anything handed out.
    options["options"] = f"-c synchronous_commit={env('DATABASE_SYNCHRONOUS_COMMIT', default='off')}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: five wrong passwords for one user name, or from one address, lock it for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("SUNBID_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@sunbid.invalid")

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": env("SUNBID_CHANNEL_PREFIX", default="sunbid")},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # The task itself decides whether 5 minutes or 1,000 events have passed (chain.md §5).
    "audit-checkpoint": {"task": "audit.tasks.checkpoint_due_task", "schedule": 60.0},
    "audit-verify": {"task": "audit.tasks.chain_check_task", "schedule": 3600.0},
    # Deadlines are kept by the platform: every few seconds, so bidding closes on time.
    "trading-chronograph": {"task": "trading.tasks.chronograph_task", "schedule": 5.0},
    "trading-overdue": {"task": "trading.tasks.overdue_scan_task", "schedule": 60.0},
    # Expert draws are revealed once the award is out; a witnessed draw without a result is abandoned.
    "experts-draws-due": {"task": "experts.tasks.draws_due_task", "schedule": 30.0},
    # Each camera's recording head into the audit record, so checkpoints cover the video (chain.md §7).
    "recording-heads": {"task": "recording.tasks.heads_fold_task", "schedule": 60.0},
    "recording-retention": {"task": "recording.tasks.retention_task", "schedule": 86400.0},
    "recording-emergency": {"task": "recording.tasks.emergency_task", "schedule": 300.0},
    "recording-reconcile": {"task": "recording.tasks.reconcile_task", "schedule": 7 * 86400.0},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {"TITLE": "Sunbid API", "VERSION": "1"}

# --- Sunbid ---------------------------------------------------------------------------
# The audit origin and the platform key's name are "sunbid:<center-id>/audit" (chain.md §5).
SUNBID_CENTER_ID = env("SUNBID_CENTER_ID", default="demo")
# The center's name, printed on records such as the opening record (开标记录表).
SUNBID_CENTER_NAME = env("SUNBID_CENTER_NAME", default="阳光公共资源交易中心（演示）")
# Ed25519 seed (hex) of the platform key; without it the embedded default keeps one in var/.
SUNBID_PLATFORM_KEY = env("SUNBID_PLATFORM_KEY", default="")
SUNBID_PLATFORM_KEY_FILE = Path(env("SUNBID_PLATFORM_KEY_FILE", default=str(VAR_DIR / "platform_key.hex")))
# Checkpoints every 5 minutes or 1,000 events, whichever first (chain.md §5; center settings).
AUDIT_CHECKPOINT_SECONDS = env.int("AUDIT_CHECKPOINT_SECONDS", default=300)
AUDIT_CHECKPOINT_EVENTS = env.int("AUDIT_CHECKPOINT_EVENTS", default=1000)
# The demo and test clock: system time plus an offset kept in the database (DESIGN "Time").
# Production sets it False and `check --deploy` fails if it is on.
SUNBID_DEMO_CLOCK = env.bool("SUNBID_DEMO_CLOCK", default=True)
RECORDING_RETENTION_DAYS = env.int("RECORDING_RETENTION_DAYS", default=60)
# Segment files (recording/<camera>/<seq>.mp4), their length, and the fragment a crash may lose.
RECORDING_DIR = Path(env("RECORDING_DIR", default=str(VAR_DIR / "recordings")))
RECORDING_SEGMENT_SECONDS = env.float("RECORDING_SEGMENT_SECONDS", default=60.0)
RECORDING_FRAGMENT_SECONDS = env.float("RECORDING_FRAGMENT_SECONDS", default=1.0)
# Below this many hours of recording at the current bitrate, the oldest unheld segments go early.
RECORDING_EMERGENCY_HOURS = env.float("RECORDING_EMERGENCY_HOURS", default=6.0)
# An evidence export larger than this is refused with a message (choose a shorter range).
RECORDING_EXPORT_MAX_BYTES = env.int("RECORDING_EXPORT_MAX_BYTES", default=4 * 1024**3)
# Procurement opening and evaluation video is kept with the listing's file (RULES.md §7).
PROCUREMENT_ARCHIVE_RECORDINGS = env.bool("PROCUREMENT_ARCHIVE_RECORDINGS", default=True)
# Live video (bidroom.capture, DESIGN §3). A dead worker's cameras move within two lease periods.
CAPTURE_LEASE_SECONDS = env.float("CAPTURE_LEASE_SECONDS", default=6.0)
CAPTURE_WATCHDOG_SECONDS = env.float("CAPTURE_WATCHDOG_SECONDS", default=5.0)
CAPTURE_CONNECT_TIMEOUT_SECONDS = env.float("CAPTURE_CONNECT_TIMEOUT_SECONDS", default=5.0)
CAPTURE_GRID_SIZE = (640, 360)
CAPTURE_FOCUS_SIZE = (1280, 720)
CAPTURE_SYNTHETIC_SIZE = (640, 360)
CAPTURE_SYNTHETIC_FPS = env.float("CAPTURE_SYNTHETIC_FPS", default=10.0)
CAPTURE_JPEG_QUALITY = 75
# The frame server web processes connect to; behind several hosts, advertise a reachable address.
CAPTURE_LISTEN = env("CAPTURE_LISTEN", default="127.0.0.1:0")
CAPTURE_ADVERTISE = env("CAPTURE_ADVERTISE", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # The record PDF's font subsetting reports every table it touches.
    "loggers": {"fontTools": {"level": "WARNING"}},
}
# Channels besides the in-app inbox (accounts.notifications); SMS gateways plug in here.
NOTIFICATION_BACKENDS = env.list("NOTIFICATION_BACKENDS", default=["accounts.notifications.email_backend"])
# Whether a deadline may fall on a non-working day (RULES.md §8: default no).
TRADING_DEADLINE_ON_NON_WORKING_DAY = env.bool("TRADING_DEADLINE_ON_NON_WORKING_DAY", default=False)
# Tests only: treat years after the holiday package's last as ordinary weeks, up to this year.
TRADING_PROVISIONAL_CALENDAR_UNTIL = 0
# Largest document upload and the types accepted.
TRADING_DOCUMENT_MAX_BYTES = env.int("TRADING_DOCUMENT_MAX_BYTES", default=50 * 1024 * 1024)
TRADING_DOCUMENT_TYPES = env.list("TRADING_DOCUMENT_TYPES", default=["pdf", "zip", "docx", "xlsx", "dwg", "ofd"])
# Open data (OCDS 1.1): the ocid prefix registered for this center, and who publishes.
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", default="ocds-sunbid")
OCDS_PUBLISHER_NAME = env("OCDS_PUBLISHER_NAME", default="阳光交易演示中心")
OCDS_PUBLICATION_POLICY_URL = env("OCDS_PUBLICATION_POLICY_URL", default="http://127.0.0.1:8000/open-data/policy/")
# Sealed bids: the largest envelope accepted (a documents envelope; a form's is fixed), and
# the piece size a resumable upload is sent in (under DATA_UPLOAD_MAX_MEMORY_SIZE is not needed:
# pieces are streamed to disk, never read into request.body).
SEAL_MAX_ENVELOPE_BYTES = env.int("SEAL_MAX_ENVELOPE_BYTES", default=1 << 30)
SEAL_UPLOAD_PIECE_BYTES = env.int("SEAL_UPLOAD_PIECE_BYTES", default=2 << 20)
# The opening worker (seal.md §7): its hold on an opening expires this long after its last
# heartbeat (system time), and another worker locks again with a new key.
OPENING_LEASE_SECONDS = env.float("OPENING_LEASE_SECONDS", default=10.0)
OPENING_POLL_SECONDS = env.float("OPENING_POLL_SECONDS", default=0.3)
