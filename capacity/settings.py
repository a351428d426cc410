"""Settings for Capacity, read from the environment.

Defaults run a local copy with no configuration at all (SQLite, tasks in-process,
email to the console). Every value read from the environment is validated here so a
bad deployment fails at start-up with the variable's name, not at the first request.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Off unless asked for: a debug page shows settings, service URLs with their
# passwords included, to anyone who makes the server fail. `make demo` asks for it.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (50+ random characters) to serve the portal, "
            "or DEBUG=true for a local copy on this machine."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entries must start with a scheme, got {origin!r}.")

INSTALLED_APPS = [
    # modeltranslation must come before the admin to patch its forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.mediawiki",
    "allauth.mfa",
    "simple_history",
    # Our apps, in dependency order: each may read only from those above it.
    "capacity",
    "stakeholders",
    "programs",
    "resources",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "stakeholders.middleware.AccountLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit trail records who made each change from the request's user.
    "simple_history.middleware.HistoryRequestMiddleware",
    "stakeholders.middleware.PrivatePagesMiddleware",
    "stakeholders.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "capacity.urls"
WSGI_APPLICATION = "capacity.wsgi.application"
ASGI_APPLICATION = "capacity.asgi.application"

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
                "stakeholders.context_processors.portal",
            ],
        },
    },
]

# Covering indexes (Index.include) serve PostgreSQL; SQLite, the embedded default, builds
# the same index without the extra columns, which is all a local copy needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Widgets render through TEMPLATES, so templates/django/forms/ can replace Django's own:
# its select draws each option inline instead of including a template per option (a
# language select of 86 options: 7 ms → 1 ms; every filter form has a few), and the
# renderer writes every select in Python, without the template engine (capacity/form_renderer.py).
FORM_RENDERER = "capacity.form_renderer.Renderer"

# Database: SQLite file by default so a first run needs no service.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
# A process keeps its connection for the requests that follow, up to a minute (checked before
# a request reuses it): opening one costs PostgreSQL a new backend, and a page its first queries'
# planning without warm catalog caches. Under gunicorn on two cores the bare view went from
# 425 to 2,220 requests a second and every page that reads the database served 1.3-2.5 times as many
# (README, Performance). DB_CONN_MAX_AGE=0 opens one per request.
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite.")
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # PostgreSQL's JIT compiler spent about 27 ms compiling each catalog query that
    # ran in 70 ms: a loss for a portal's short queries (bench/, 20,000 programs).
    # random_page_cost 1.1 (PostgreSQL's default of 4 is for spinning disks; its manual
    # suggests about 1.1 for SSDs and data that fits in memory): with 4, finding a mentor
    # scanned all 40,000 exchange profiles twice (5.6 + 6.6 ms) where an index finds the
    # 242 who speak a language (1.8 + 2.0 ms). DB_RANDOM_PAGE_COST sets another.
    try:
        RANDOM_PAGE_COST = float(env_str("DB_RANDOM_PAGE_COST", "1.1"))
    except ValueError:
        raise ImproperlyConfigured("DB_RANDOM_PAGE_COST must be a number, such as 1.1 or 4.") from None
    if not 0 < RANDOM_PAGE_COST <= 100:
        raise ImproperlyConfigured("DB_RANDOM_PAGE_COST must be between 0 and 100.")
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = f"-c jit=off -c random_page_cost={RANDOM_PAGE_COST}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "stakeholders.User"

# Redis is the cache and the Celery broker when REDIS_URL is set; without it the
# portal runs with an in-process cache and runs tasks eagerly.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}.")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis with IGNORE_EXCEPTIONS: with Redis down every page still
            # answers, computing what it would have read (a miss), and login works
            # (allauth keeps its rate-limit counters in the cache; see capacity.cache).
            # The short timeouts keep a Redis that hangs from holding each request for
            # long. /healthz reports the cache as down; errors are not logged per call.
            "BACKEND": "capacity.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "capacity"),
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. Tasks are idempotent, acknowledged late and re-queued if a worker dies.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker process a task leaves holding more than this (in KB) is replaced once that task is
# done: what a large learning-report year freed but the allocator kept goes back to the
# system, and the next task starts from a fresh process instead of on top of it. A fresh
# process holds about 110 MB; one that built a year and gave its large arrays back
# (capacity.memory) still 35–70 MB more, so at 150 MB some stayed and built their next year
# on top of what was left. (The 446 MB once blamed on that was the bench's own peak, misread:
# bench/peak.py. Measured right, the worker's largest process is 283–285 MB at this limit.)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 120_000, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT.")
# Building every learning report at movement scale takes minutes, not hours.
REPORT_BUILD_TIME_LIMIT = env_int("REPORT_BUILD_TIME_LIMIT", 3600, minimum=5)
# The visibility timeout must outlast the longest task, or Redis redelivers it
# to a second worker while the first is still running.
# The socket timeouts bound a page that queues a task while Redis accepts connections
# and never answers: without them such a POST hung for good (tests/stakeholders/test_exchange_attacks.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, REPORT_BUILD_TIME_LIMIT) * 2,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_DEFAULT_QUEUE = "capacity"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "send-pending-promotion-emails": {
        "task": "programs.tasks.send_pending_promotion_emails",
        "schedule": 10 * 60,
    },
    "send-pending-cancellation-emails": {
        "task": "programs.tasks.send_pending_cancellation_emails",
        "schedule": 10 * 60,
    },
    # Evaluation: surveys become due and go out; measurements follow their sources.
    "schedule-survey-invitations": {
        "task": "evaluation.survey_tasks.schedule_survey_invitations",
        "schedule": 60 * 60,
    },
    "send-survey-invitations": {
        "task": "evaluation.survey_tasks.send_survey_invitations",
        "schedule": 10 * 60,
    },
    "sync-measurements": {
        "task": "evaluation.measurement_tasks.sync_measurements",
        "schedule": 10 * 60,
    },
    # Learning reports: the years with new or changed measurements, every night.
    "rebuild-stale-reports": {
        "task": "evaluation.tasks.rebuild_stale_reports",
        "schedule": crontab(hour=2, minute=7),
    },
    # And every week everything again, from re-derived measurements.
    "rebuild-all-reports": {
        "task": "evaluation.tasks.rebuild_all_reports",
        "schedule": crontab(hour=3, minute=37, day_of_week=0),
    },
    "check-seat-counts": {
        "task": "programs.tasks.check_seat_counts",
        "schedule": crontab(hour=3, minute=17),
    },
    "send-session-reminders": {
        "task": "programs.tasks.send_session_reminders",
        "schedule": 15 * 60,
    },
    # Contact messages queued while the broker was down are relayed once it is back.
    "send-pending-contact-emails": {
        "task": "stakeholders.tasks.send_pending_contact_emails",
        "schedule": 10 * 60,
    },
    # Support emails (triage news, chosen responders) lost while the broker was down.
    "send-pending-support-emails": {
        "task": "stakeholders.tasks.send_pending_support_emails",
        "schedule": 10 * 60,
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

SITE_ID = 1
# Where people reach the portal, for links in emails (no trailing slash).
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
if not PORTAL_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"PORTAL_URL must start with http:// or https://, got {PORTAL_URL!r}.")
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# allauth: email is the login; it must be verified before it is trusted.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none.")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Capacity"

# Wikimedia login appears only when both keys are configured.
MEDIAWIKI_CLIENT_ID = env_str("MEDIAWIKI_CLIENT_ID", "")
MEDIAWIKI_CLIENT_SECRET = env_str("MEDIAWIKI_CLIENT_SECRET", "")
if bool(MEDIAWIKI_CLIENT_ID) != bool(MEDIAWIKI_CLIENT_SECRET):
    raise ImproperlyConfigured("Set both MEDIAWIKI_CLIENT_ID and MEDIAWIKI_CLIENT_SECRET, or neither.")
SOCIALACCOUNT_PROVIDERS = {
    "mediawiki": {
        "REST_API": env_str("MEDIAWIKI_REST_API", "https://meta.wikimedia.org/w/rest.php"),
        "USERPAGE_TEMPLATE": "https://meta.wikimedia.org/wiki/User:{username}",
    }
}
if MEDIAWIKI_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["mediawiki"]["APPS"] = [
        {"client_id": MEDIAWIKI_CLIENT_ID, "secret": MEDIAWIKI_CLIENT_SECRET, "key": ""}
    ]

# Email: printed to the console unless an SMTP server is configured.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Capacity <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Languages: the UI is translated into these; content fields are translated into
# the same set by django-modeltranslation.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ko", _("Korean")),
    ("ar", _("Arabic")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt-br", _("Brazilian Portuguese")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Privacy: published aggregates hide any cell smaller than these.
K_ANONYMITY_DEMOGRAPHIC = env_int("K_ANONYMITY_DEMOGRAPHIC", 10, minimum=2)
K_ANONYMITY_ACTIVITY = env_int("K_ANONYMITY_ACTIVITY", 5, minimum=2)
# Learning reports show a mean or a share only from this many people; below it they say
# "not enough data" (a 95% interval on fewer is too wide to read anything into).
REPORT_MINIMUM_SAMPLE = env_int("REPORT_MINIMUM_SAMPLE", 10, minimum=2)

# Evaluation: a participant counts as a newcomer when their account was registered at
# most this many days before the event (the "newcomers" indicator; used once
# measurements are recorded).
NEWCOMER_WINDOW_DAYS = env_int("NEWCOMER_WINDOW_DAYS", 365, minimum=1)

# The open-data export of approved allocations (360Giving): the publisher's identifier
# prefix (360Giving issues "360G-…" prefixes) and name.
OPEN_DATA_PREFIX = env_str("OPEN_DATA_PREFIX", "360G-capacity")
OPEN_DATA_PUBLISHER = env_str("OPEN_DATA_PUBLISHER", "Capacity")

# Enrollment waits at most this long for a session's row lock before asking the
# person to try again.
ENROLLMENT_LOCK_TIMEOUT_MS = env_int("ENROLLMENT_LOCK_TIMEOUT_MS", 3000, minimum=100)

# Spreadsheet imports of attendance and activity reports: larger files or more rows are
# refused with a message before anything is read into rows.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000, minimum=1)
# The largest receipt (PDF, PNG or JPEG) a recipient can attach to an expenditure.
RECEIPT_MAX_BYTES = env_int("RECEIPT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)

# A catalog page not in the cache costs its option counts (a dozen aggregate queries).
# Past this many such pages a minute from one address (a flood of distinct searches),
# the list is served without counts. Counted per REMOTE_ADDR: behind a proxy, have it
# set REMOTE_ADDR to the client's address.
CATALOG_FULL_PAGES_PER_MINUTE = env_int("CATALOG_FULL_PAGES_PER_MINUTE", 20, minimum=1)
CATALOG_FULL_PAGES_RATE = f"{CATALOG_FULL_PAGES_PER_MINUTE}/m"

# A Programs & Events Dashboard course CSV is one header and one row, a few hundred
# bytes; anything past this is refused before it is read.
DASHBOARD_CSV_MAX_BYTES = env_int("DASHBOARD_CSV_MAX_BYTES", 1_048_576, minimum=1024)

# Security, strict whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): everything from this site, nothing inline
# (scripts and styles live in static/), no framing. Data images are for the QR code
# of two-factor setup; Wikimedia's OAuth page is where the login form redirects.
_form_targets = [SELF]
if MEDIAWIKI_CLIENT_ID:
    _mediawiki = urlsplit(SOCIALACCOUNT_PROVIDERS["mediawiki"]["REST_API"])
    _form_targets.append(f"{_mediawiki.scheme}://{_mediawiki.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": _form_targets,
    }
}
# Permissions-Policy (django-permissions-policy): the portal uses none of these.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ]
}
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
