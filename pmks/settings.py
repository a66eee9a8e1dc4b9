"""Settings for PMKS Kaltim, read from the environment (see .env.example).

No environment at all gives the embedded default: SQLite file, Celery tasks run
inline, local-memory cache, DEBUG off (set DEBUG=True for development).
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue
from redis.backoff import NoBackoff
from redis.retry import Retry

from pmks.env import (
    database_from_url,
    env_bool,
    env_header_pair,
    env_int,
    env_list,
    env_str,
    redis_url,
    redis_url_for_test_worker,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is not True")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "regions",
    "accounts",
    "outbox",
    "idempotency",
    "offline",
    "cases",
    "plans",
    "households",
    "imports",
    "exports",
    "referrals",
    "followups",
    "stats",
    "api",
    "demo",
]

MIDDLEWARE = [
    "pmks.middleware.InFlightLimitMiddleware",  # past capacity: 503 + Retry-After at once
    "django.middleware.security.SecurityMiddleware",
    "pmks.middleware.PageGZipMiddleware",  # HTML pages gzipped, not /api/
    "csp.middleware.CSPMiddleware",
    "accounts.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IndonesianByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.login_throttle.LoginThrottleMiddleware",  # per IP and username, before hashing
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.twofactor.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "pmks.middleware.DatabaseOutageMiddleware",  # a view's OperationalError: 503
    # Last: turns a lockout flagged during the view into the lockout page/JSON.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pmks.urls"
WSGI_APPLICATION = "pmks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
                "referrals.context_processors.notifications",
            ],
        },
    },
]

# --- Database: SQLite file by default, Postgres by URL -----------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url("DATABASE_URL", DATABASE_URL)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # JIT off for our connections: any misestimated web query passes jit_above_cost
        # and paid 150-200 ms of compilation at 1M rows (docs/PERFORMANCE.md, G1).
        db_options = DATABASES["default"].setdefault("OPTIONS", {})
        db_options["options"] = f"{db_options.get('options', '')} -c jit=off".strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Parallel writers wait (busy timeout) instead of failing with "database is
            # locked": WAL lets readers run beside the writer, and IMMEDIATE takes the
            # write lock when a transaction begins, not when a read upgrades to a write.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
# A persistent connection is checked before a request reuses it, so the first request
# after Postgres restarted reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery: Redis by URL, else local memory and inline tasks ------
REDIS_URL = redis_url("REDIS_URL", env_str("REDIS_URL"))
# The suite runs in pytest-xdist workers (make test): each on its own Redis database.
REDIS_URL = redis_url_for_test_worker(REDIS_URL, env_str("PYTEST_XDIST_WORKER"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Cache errors are misses (pmks/cache.py); short timeouts and no retries,
            # so a dead Redis costs milliseconds per request, not seconds.
            "BACKEND": "pmks.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "pmks"),
            "OPTIONS": {
                "socket_connect_timeout": 0.3,
                "socket_timeout": 0.5,
                "retry": Retry(NoBackoff(), 0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60  # the longest task (full statistics rebuild at scale)
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# Redis re-delivers an unacked task after the visibility timeout (a worker killed
# mid-task): a little above the longest task limit, so a running task is not handed
# out twice and a lost one comes back within minutes, not hours.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60}
# Two queues, so a statistics rebuild (or an import/export) cannot starve the
# deliveries: `default` for the outbox and short tasks, `long` for the heavy ones.
# A worker must consume both: `celery -A pmks worker -Q default,long` (or two workers).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("default"), Queue("long")]
CELERY_TASK_ROUTES = {
    "stats.tasks.rebuild_statistics": {"queue": "long"},
    "stats.tasks.take_daily_snapshot": {"queue": "long"},
    "imports.tasks.run_import": {"queue": "long"},
    "exports.tasks.run_export": {"queue": "long"},
}
CELERY_TIMEZONE = "Asia/Makassar"
CELERY_IMPORTS = ["pmks.health"]  # worker_heartbeat (pmks is not an app: not autodiscovered)
HEALTH_WORKER_MAX_AGE_SECONDS = env_int("HEALTH_WORKER_MAX_AGE_SECONDS", 180)
HEALTH_OUTBOX_MAX_LAG_SECONDS = env_int("HEALTH_OUTBOX_MAX_LAG_SECONDS", 300)
# Seconds a client is told to wait (Retry-After) by the 503 of a database outage
# or of a process at capacity (pmks/middleware.py).
RETRY_AFTER_SECONDS = env_int("RETRY_AFTER_SECONDS", 5)
# Requests one web process runs at once; past it, 503 + Retry-After at once.
WEB_MAX_IN_FLIGHT = env_int("WEB_MAX_IN_FLIGHT", 0)  # 0: no limit (gunicorn.conf.py sets it)
# Beat sends the outbox sweep this often (the kick after commit is the fast path).
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 60)
STATS_FULL_REBUILD_MINUTES = env_int("STATS_FULL_REBUILD_MINUTES", 30)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "pmks.health.worker_heartbeat",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    # Runs queued behind a stopped worker expire before the next one is due, so a
    # worker back after an outage runs each job once, not once per missed interval.
    # (The daily snapshot has no expiry: it must run late rather than never, and it
    # replaces its day.)
    "referrals-mark-overdue": {
        "task": "referrals.tasks.mark_overdue_referrals",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 10 * 60 - 30},
    },
    "stats-full-rebuild": {
        "task": "stats.tasks.rebuild_statistics",
        "schedule": timedelta(minutes=STATS_FULL_REBUILD_MINUTES),
        "options": {"expires": STATS_FULL_REBUILD_MINUTES * 60 - 30},
    },
    "outbox-sweep": {
        "task": "outbox.tasks.sweep_outbox",
        "schedule": timedelta(seconds=OUTBOX_SWEEP_SECONDS),
        # a sweep queued behind a stopped worker is not stacked
        "options": {"expires": max(OUTBOX_SWEEP_SECONDS - 5, 1)},
    },
    "idempotency-purge": {
        "task": "idempotency.tasks.purge_expired_idempotency_keys",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
    "exports-purge-expired": {
        "task": "exports.tasks.purge_expired_exports",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
    "followups-mark-overdue": {
        "task": "followups.tasks.mark_overdue_followups",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 15 * 60 - 30},
    },
    "stats-daily-snapshot": {
        "task": "stats.tasks.take_daily_snapshot",
        "schedule": crontab(hour=0, minute=0),  # midnight WITA (CELERY_TIMEZONE)
    },
}

# --- Auth and sessions -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",  # django-axes: refuses a locked username+IP first
    "accounts.backends.ModelBackendWithOrganization",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_THROTTLE_IP_PER_MINUTE = env_int("LOGIN_THROTTLE_IP_PER_MINUTE", 120)
LOGIN_THROTTLE_USERNAME_PER_MINUTE = env_int("LOGIN_THROTTLE_USERNAME_PER_MINUTE", 10)
# Django's default hashers, the first (PBKDF2 at Django's strength) at most
# PASSWORD_HASH_CONCURRENCY at a time on this machine (accounts/hashers.py): a burst
# of logins keeps a core for the pages. A login waits up to PASSWORD_HASH_WAIT_SECONDS
# for a slot, then gets 503 + Retry-After.
PASSWORD_HASHERS = [
    "accounts.hashers.GatedPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASH_CONCURRENCY = env_int("PASSWORD_HASH_CONCURRENCY", 1)
PASSWORD_HASH_WAIT_SECONDS = env_int("PASSWORD_HASH_WAIT_SECONDS", 3)
PASSWORD_HASH_LOCK_DIR = env_str("PASSWORD_HASH_LOCK_DIR", "")
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_COOKIE_AGE = 12 * 60 * 60
# Sessions in the database: login and every page keep working when Redis is down, and
# a logout while Redis is away cannot be undone by a stale cached session later.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# --- Security (issue 14): lockout, two-factor login, deploy settings, headers --
# Login lockout (django-axes, database handler: works on SQLite and Postgres, and
# when Redis is down). 5 failures for one username from one IP lock that pair for
# LOGIN_LOCKOUT_MINUTES; bad API keys count per IP (api/authentication.py).
# An admin unlocks in the admin (Axes > Access attempts) or `manage.py axes_reset`.
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"  # reads LOGIN_LOCKOUT_MINUTES per request
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try during the lock does not extend it: the page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_VERBOSE = False
# Number of trusted reverse proxies in front of the app that append to
# X-Forwarded-For (0: the client is REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Two-factor login (django-otp, TOTP + 10 single-use recovery codes) for these roles
# (e.g. "admin,supervisor"; "admin" also covers superusers and staff). Empty: off.
REQUIRE_2FA_FOR = env_list("REQUIRE_2FA_FOR", "")
if unknown_roles := set(REQUIRE_2FA_FOR) - {"caseworker", "supervisor", "agency_staff", "admin"}:
    raise ImproperlyConfigured(f"REQUIRE_2FA_FOR names unknown roles: {sorted(unknown_roles)}")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "PMKS Kaltim")

# The Django admin's URL (e.g. "kelola-7f3a/"); behind the same lockout and 2FA.
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured(f'ADMIN_URL must look like "admin/", got {ADMIN_URL!r}')

# Deploy settings: all off unless configured (the embedded default is plain http).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz"]  # healthz, healthz/live, healthz/ready: probes over http
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# "HTTP_X_FORWARDED_PROTO,https" behind a TLS proxy that sets that header.
SECURE_PROXY_SSL_HEADER = env_header_pair("SECURE_PROXY_SSL_HEADER")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS: list[str] = []
if not SECURE_HSTS_PRELOAD:
    # security.W021 asks for HSTS preload. Preload is a one-way commitment of the
    # whole parent domain to browsers' lists, for its owner to decide, so it is off
    # by default on purpose (SECURE_HSTS_PRELOAD=True turns it on).
    SILENCED_SYSTEM_CHECKS.append("security.W021")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Content-Security-Policy (django-csp 4): no inline script anywhere; the Swagger UI
# page alone gets inline styles and data: images (api/urls.py). No inline styles
# either: the few there were are classes in static/css/app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Language and time -------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Makassar"
USE_TZ = True
# dd/mm/yyyy for both languages, times in WITA (pmks/formats, pmks/dates.py).
FORMAT_MODULE_PATH = ["pmks.formats"]

# --- Static and uploaded files -----------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed, cached for a year once collected (pmks/static_storage.py)
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "pmks.static_storage.HashedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
# Attachments hold personal data: stored outside any served path and only
# downloaded through a view that checks permission. MEDIA_URL is never routed.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/_protected_media/"
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 10) * 1024 * 1024
ATTACHMENT_ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Imports of beneficiaries (imports/): the largest file and the most rows accepted.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 20) * 1024 * 1024
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# A preview of more rows than this runs in the background (the page polls).
IMPORT_INLINE_PREVIEW_ROWS = env_int("IMPORT_INLINE_PREVIEW_ROWS", 20_000)
# Exports of up to this many rows stream at once; bigger ones run as a background job
# whose file is kept EXPORT_KEEP_DAYS days (exports.tasks.purge_expired_exports).
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 5_000)
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7)

# --- E-mail ------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pmks@dinsos.kaltimprov.go.id")

# --- Referrals ---------------------------------------------------------------
REFERRAL_SLA_DAYS = {
    "urgent": env_int("REFERRAL_SLA_URGENT_DAYS", 1),
    "high": env_int("REFERRAL_SLA_HIGH_DAYS", 3),
    "normal": env_int("REFERRAL_SLA_NORMAL_DAYS", 7),
}

# --- Case plans (plans/): the review date an approval proposes -------------------
PLAN_REVIEW_DAYS = env_int("PLAN_REVIEW_DAYS", 90)
# pmks.hooks.closure_requested: the answers "was each goal met?" of a closure request
CLOSURE_REQUEST_HANDLERS: list[str] = ["plans.services.on_closure_requested"]

# --- Hooks (pmks/hooks.py): observers of writes, run in the writer's transaction -
# Each app that observes appends its handler here when it is built; a handler writes
# outbox rows (outbox.services.outbox_write), never sends anything itself.
DATA_CHANGE_HANDLERS: list[str] = ["stats.tasks.mark_dirty"]
REFERRAL_EVENT_HANDLERS: list[str] = [
    "api.webhooks.on_referral_event",
    "followups.rules.on_referral_event",  # after-referral check, first contact
]
CASE_EVENT_HANDLERS: list[str] = ["followups.rules.on_case_event"]  # assessment due

# --- Follow-ups (followups/rules.py): days until the due date each rule sets -----
FOLLOWUP_RULES = {
    "case_opened_days": env_int("FOLLOWUP_CASE_OPENED_DAYS", 3),  # assessment
    "case_opened_urgent_days": env_int("FOLLOWUP_CASE_OPENED_URGENT_DAYS", 1),
    "referral_completed_days": env_int("FOLLOWUP_REFERRAL_COMPLETED_DAYS", 14),
    "transfer_days": env_int("FOLLOWUP_TRANSFER_DAYS", 7),  # first contact
    "plan_review_days": env_int("FOLLOWUP_PLAN_REVIEW_DAYS", PLAN_REVIEW_DAYS),
}

# --- Outbox (outbox/): effects sent after commit, at least once ----------------
# kind -> handler(OutboxEvent); lower apps name a kind, never import the handler.
OUTBOX_HANDLERS: dict[str, str] = {
    "stats": "stats.tasks.handle_dirty_mark",
    "webhook": "api.webhooks.handle_outbox_delivery",
    "email": "referrals.emails.handle_referral_email",
}
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)  # SQLite claims only
# After a failed kick (broker down) a process stops kicking for this long: the
# sweep (OUTBOX_SWEEP_SECONDS) sends the rows, and requests pay no broker timeout.
OUTBOX_KICK_PAUSE_SECONDS = env_int("OUTBOX_KICK_PAUSE_SECONDS", 15)
# Shards a worker's dispatch task sends to at once (Postgres; threads, one connection each)
OUTBOX_DISPATCH_THREADS = env_int("OUTBOX_DISPATCH_THREADS", 4)

# --- Statistics --------------------------------------------------------------
STATS_REFRESH_DEBOUNCE_SECONDS = env_int("STATS_REFRESH_DEBOUNCE_SECONDS", 5)
# A change-triggered rebuild waits at least this many times the last rebuild's
# duration, so full rebuilds take at most 1/(1+N) of the worker and the database
# under a steady stream of changes (`make load` measured a rebuild every 7 s at
# 20k people with N = 0: half a core). 0 turns it off.
STATS_REFRESH_REST_FACTOR = env_int("STATS_REFRESH_REST_FACTOR", 3)

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.OrganizationAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.APIKeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstPagination",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # api/throttling.py: per key or user, and per IP for requests without credentials
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env_str("API_THROTTLE_RATE", "600/minute"),
        "anon": env_str("API_THROTTLE_ANON_RATE", "60/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PMKS Kaltim API",
    "DESCRIPTION": "Referrals, cases and statistics of the social offices of Kalimantan Timur.",
    "VERSION": "1.0.0",
    # 3.1: a nullable reference is `oneOf: [$ref, {type: null}]` (3.0's `nullable` next
    # to a bare $ref means nothing and generators drop it).
    "OAS_VERSION": "3.1.0",
    "CONTACT": {"name": "Dinas Sosial Provinsi Kalimantan Timur", "url": SITE_URL},
    "SERVERS": [{"url": SITE_URL, "description": "This deployment (SITE_URL)"}],
    "TAGS": [
        {"name": "account", "description": "The key in use and its organization."},
        {"name": "referrals", "description": "Inbox, outbox, decisions and conversation."},
        {"name": "beneficiaries", "description": "People registered by offices."},
        {"name": "households", "description": "Households (No. KK): members, DTSEN, aid."},
        {"name": "cases", "description": "Cases of the caller's office and their moves."},
        {"name": "services", "description": "Services delivered within a case."},
        {"name": "exports", "description": "Any list as a CSV or XLSX file, in the background."},
        {"name": "reference", "description": "Regions, categories, service types, directory."},
        {"name": "statistics", "description": "Rolled-up figures of the dashboards."},
        {"name": "webhooks", "description": "Webhook endpoints and their deliveries."},
        {"name": "imports", "description": "Importing beneficiaries from XLSX/CSV: jobs, report."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from static files, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Inputs and outputs are separate components; read-only (output) fields are required.
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # English component names for every choice set (the values on the wire are stable
    # English codes; their Indonesian labels are listed in each enum's description).
    "ENUM_NAME_OVERRIDES": {
        "WebhookEventEnum": "api.models.WebhookEvent",
        "DeliveryEventEnum": "api.models.DeliveryEvent",
        "DeliveryStatusEnum": "api.models.DeliveryStatus",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "ServiceStatusEnum": "cases.models.ServiceStatus",
        "PriorityEnum": "cases.models.Priority",
        "ClosureReasonEnum": "cases.models.ClosureReason",
        "LegalBasisEnum": "cases.models.LegalBasis",
        "SexEnum": "cases.models.Sex",
        "NikAbsentReasonEnum": "cases.models.NikAbsentReason",
        "HouseholdRelationshipEnum": "households.models.Relationship",
        "HouseholdAidEnum": "households.models.Aid",
        "RoleEnum": "accounts.models.Role",
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "ReferralKindEnum": "referrals.models.ReferralKind",
        "UrgencyEnum": "referrals.models.Urgency",
        "OrganizationKindEnum": "accounts.models.OrganizationKind",
        "RegionLevelEnum": "regions.models.Level",
        "PeriodEnum": "stats.models.Period",
        "StatsScopeLevelEnum": "api.views.stats.SCOPE_LEVELS",
        "ImportJobStatusEnum": "imports.models.JobStatus",
        "ImportExistingActionEnum": "imports.models.ExistingAction",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.idempotency.declare_idempotency_key",  # before the errors (its 422)
        "api.schema.postprocess_schema",
    ],
}
# api app: keys, webhooks (api/services.py, api/webhooks.py)
API_KEY_DEFAULT_VALID_DAYS = env_int("API_KEY_DEFAULT_VALID_DAYS", 365)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)  # read timeout of a delivery
WEBHOOK_MAX_ENDPOINTS = env_int("WEBHOOK_MAX_ENDPOINTS", 5)  # active ones, per organization
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 3600)
# After a secret rotation the old secret signs too (a second v1=) for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)
WEBHOOK_REPLAY_MAX_EVENTS = env_int("WEBHOOK_REPLAY_MAX_EVENTS", 100)  # per replay request
# Outbound HTTP (pmks/outbound.py): https to public addresses only, unless this is
# True (tests and development: plain http and private addresses allowed).
OUTBOUND_ALLOW_PRIVATE = env_bool("OUTBOUND_ALLOW_PRIVATE", False)
OUTBOUND_CONNECT_TIMEOUT_SECONDS = env_int("OUTBOUND_CONNECT_TIMEOUT_SECONDS", 5)
OUTBOUND_READ_TIMEOUT_SECONDS = env_int("OUTBOUND_READ_TIMEOUT_SECONDS", 10)
OUTBOUND_MAX_RESPONSE_BYTES = env_int("OUTBOUND_MAX_RESPONSE_BYTES", 65536)
OUTBOUND_CA_FILE = env_str("OUTBOUND_CA_FILE", "")  # an extra CA bundle (PEM); empty: the system's

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
