"""Shared settings; every environment-specific value comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VERBUND_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str:
    """Return an environment variable; fail at start when a required one is missing."""
    value = os.environ.get(name) or default
    if not value:
        raise RuntimeError(f"Missing required environment variable {name}")
    return value


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    "django_celery_beat",
    "agencies",
    "audit",
    "verbund",
    "international",
    # After verbund, whose templates/health_check/index.html replaces the library's page.
    "health_check",
]
# Supervision console (issue 17, console branch): the /aufsicht/ AdminSite's templates and
# the beat task that flags due mandatory controls.
INSTALLED_APPS += ["verbund.console"]

MIDDLEWARE = [
    "verbund.middleware.RequestIdMiddleware",
    "verbund.middleware.ChunkedBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "verbund.middleware.GermanByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "verbund.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "verbund.urls"
WSGI_APPLICATION = "verbund.wsgi.application"
ASGI_APPLICATION = "verbund.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Releases from state systems (issue 18, gws-release): navigation link.
                "verbund.views.releases.state_system_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'verbund.sqlite3'}"), conn_max_age=60
    )
}
# SQLite (the embedded default) is tuned in verbund.settings.dev.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.Officer"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# guardian: no anonymous user, no superuser bypass (architecture rule 3).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Login lockout (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "verbund.views.auth.lockout"

# Sessions expire after 30 minutes of inactivity and with the browser.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Under /api/ a CSRF refusal answers the JSON error shape; elsewhere Django's page.
CSRF_FAILURE_VIEW = "verbund.views.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "verbund.api.authentication.TokenAuthentication",
        "verbund.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["verbund.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "verbund.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "verbund.api.openapi.VerbundAutoSchema",
    "EXCEPTION_HANDLER": "verbund.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"anon": "30/min"},
}
# API tokens (django-rest-knox): a new token per login, a fixed lifetime (not renewed by use),
# revoked by DELETE /api/v1/auth/token/. Header: "Authorization: Token <token>".
VERBUND_API_TOKEN_TTL_HOURS = float(env("VERBUND_API_TOKEN_TTL_HOURS", "8"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=VERBUND_API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Verbund API",
    "DESCRIPTION": "REST API of the simulated federated index file (ATD, GWS).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI, for accessibility (axe-core, tests/e2e/test_api_docs.py): no deep links
    # (they put a link inside each operation's toggle button: "nested-interactive"), and a
    # highlighting theme whose JSON colours reach 4.5:1 (agate's numbers: 3.45:1).
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": False,
        "syntaxHighlight": {"activated": True, "theme": "tomorrow-night"},
    },
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Import paths: resolved by drf-spectacular when the schema is built, not here.
        "RecordKindEnum": "verbund.models.records.RecordKind.values",
        "AgencyKindEnum": ["police", "intelligence", "customs"],
        "ObjectKindEnum": "verbund.models.records.OBJECT_KINDS",
        "SearchModeEnum": ["name", "feature", "object"],
        "NameModeEnum": ["name"],
        "FeatureModeEnum": ["feature"],
        "ObjectModeEnum": ["object"],
        "CovertHitKindEnum": ["covert_hit"],
        "CorrectionNoticeKindEnum": ["correction_notice"],
        "CorrectionOutcomeKindEnum": ["correction_outcome"],
        "TransferReceivedKindEnum": ["transfer_received"],
        "TransferBasisEnum": "verbund.models.transfers.TransferBasis.values",
        "TransferMarkingEnum": "verbund.services.transfers.KNOWN_MARKINGS",
        # The records' legal markings keep their name beside the transfers' markings.
        "MarkingsEnum": "verbund.api.schemas.MARKING_CHOICES",
        "CorrectionOutcomeEnum": ["corrected", "rejected"],
        # A search's outcome keeps its name beside the correction outcome above.
        "OutcomeEnum": ["ok", "too_many_hits"],
        "OverdueKindEnum": "verbund.selectors.duties.OVERDUE_KINDS",
        # Eilfall (R-G3): the consent of an Eilfall, and the decided one in the inbox.
        # An Eilfall's consent and a request's status share one choice set.
        "DecisionStatusEnum": "verbund.models.requests.RequestStatus.values",
        # A decided consent (Eilfall) and a decided request share one choice set.
        "GrantedOrRefusedEnum": ["granted", "refused"],
        # Requests for extended data (issue 15, requests branch).
        "AccessRequestKindEnum": "verbund.models.requests.RequestKind.values",
        "AccessRequestItemKindEnum": ["access_request"],
        "AccessDecisionItemKindEnum": ["access_decision"],
        "UseGroundEnum": "verbund.models.requests.UseGround.values",
        "UseMarkingEnum": "verbund.models.requests.USE_MARKINGS",
    },
}

# Celery: broker from REDIS_URL / CELERY_BROKER_URL; tasks are acked late and re-queued
# when a worker dies (architecture: "Celery with Redis" pitfalls).
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
_REMINDER_SECONDS = float(os.environ.get("VERBUND_REMINDER_SECONDS") or 900)
CELERY_BEAT_SCHEDULE = {
    # R-D3: the only delivery path for covert-hit notices, on the clock (never per search).
    "deliver-covert-hits": {
        "task": "verbund.tasks.deliver_pending_covert_hits",
        "schedule": float(os.environ.get("VERBUND_COVERT_DELIVERY_SECONDS") or 10),
    },
    # R-L6: overdue "without delay" duties are marked and logged once, on the clock.
    "remind-overdue-covert-hits": {
        "task": "verbund.tasks.remind_overdue_covert_hits",
        "schedule": _REMINDER_SECONDS,
    },
    "remind-overdue-duties": {
        "task": "verbund.tasks.remind_overdue_duties",
        "schedule": _REMINDER_SECONDS,
    },
    # R-I3: log rows kept only for control are deleted after 18 months (PostgreSQL: monthly
    # partitions dropped, audit.partitions; SQLite: a prefix delete).
    "audit-purge": {
        "task": "audit.tasks.purge_expired",
        "schedule": 24 * 3600.0,
    },
    "audit-checkpoint": {
        "task": "audit.tasks.write_checkpoint",
        "schedule": 300.0,
    },
}

# Verbund domain settings.
VERBUND_DEMO_PASSWORD = env("VERBUND_DEMO_PASSWORD", "demo-only-password")
# Multiplies every file's per-officer search rate limit (benchmarks raise it; never 0).
VERBUND_RATE_LIMIT_FACTOR = float(env("VERBUND_RATE_LIMIT_FACTOR", "1"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}
# R-D3: searches per batch of the covert-hit delivery task (the seconds between runs are
# VERBUND_COVERT_DELIVERY_SECONDS, read for CELERY_BEAT_SCHEDULE above).
VERBUND_COVERT_DELIVERY_BATCH = int(env("VERBUND_COVERT_DELIVERY_BATCH", "500"))
# Seconds /health/ and /health/ready/ share one run of their checks (verbund.health).
VERBUND_HEALTH_CACHE_SECONDS = float(env("VERBUND_HEALTH_CACHE_SECONDS", "5"))
# R-D3/R-L6: hours the owner has to contact the requester after a covert hit; hours the
# beat sweeper looks back for covert-hit notices whose delivery task was lost.
VERBUND_COVERT_CONTACT_HOURS = float(env("VERBUND_COVERT_CONTACT_HOURS", "24"))
# R-H2 / R-L6: the owner reviews a correction notice "without delay" — the due time.
VERBUND_CORRECTION_DUE_HOURS = float(env("VERBUND_CORRECTION_DUE_HOURS", "72"))
# R-L6: hours until a pending request for extended data is reminded to the owner (R-F1).
VERBUND_ACCESS_REQUEST_REMINDER_HOURS = float(env("VERBUND_ACCESS_REQUEST_REMINDER_HOURS", "72"))
# R-G3 / R-L6: hours the owner has to decide on consent to an Eilfall access.
VERBUND_EILFALL_CONSENT_HOURS = float(env("VERBUND_EILFALL_CONSENT_HOURS", "24"))
# R-G3 / R-L6: hours the requester has to delete or block and inform third parties after a
# refused consent.
VERBUND_EILFALL_DUTY_HOURS = float(env("VERBUND_EILFALL_DUTY_HOURS", "24"))
# R-L6: seconds between runs of the reminder jobs (covert hits and the other duties), read
# for CELERY_BEAT_SCHEDULE above.
VERBUND_REMINDER_SECONDS = _REMINDER_SECONDS
# R-L4: days before a record's review date that its review reaches the owner's inbox.
VERBUND_REVIEW_LEAD_DAYS = int(env("VERBUND_REVIEW_LEAD_DAYS", "14"))
# R-L4 / R-L6: hours the owner has for a review opened "at once" (a correction notice, a
# justice decision, a complaint, a missing legal basis, a record without a date rule).
VERBUND_REVIEW_DUE_HOURS = float(env("VERBUND_REVIEW_DUE_HOURS", "72"))
# R-L4: rows the deadline sweep handles per transaction (each batch locked skip_locked).
VERBUND_DEADLINES_BATCH = int(env("VERBUND_DEADLINES_BATCH", "500"))

# Deadline sweep (issue 16, sweep branch): R-L2/R-L4/R-L4a/R-L6 — reviews coming due, records
# past their deletion date, overdue reviews and duties escalated, the log purged
# (verbund.tasks.enforce_deadlines). Daily by default at 02:30 local time; the crontab
# ("minute hour day-of-month month day-of-week") is overridable by VERBUND_DEADLINES_CRON.
# django-celery-beat's DatabaseScheduler copies it into the database, where the admin can
# edit it (Periodic tasks); scripts/run.sh starts exactly one beat.
VERBUND_DEADLINES_CRON = env("VERBUND_DEADLINES_CRON", "30 2 * * *")
_cron = VERBUND_DEADLINES_CRON.split()
if len(_cron) != 5:
    raise ValueError("VERBUND_DEADLINES_CRON needs five fields: minute hour dom month dow")
# A task taken by a worker that dies (SIGKILL, power loss) stays unacknowledged in Redis and is
# delivered again after the broker's visibility timeout (acks_late); tests shorten it.
if os.environ.get("VERBUND_BROKER_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": int(os.environ["VERBUND_BROKER_VISIBILITY_TIMEOUT"]),
    }
CELERY_BEAT_SCHEDULE["enforce-deadlines"] = {
    "task": "verbund.tasks.enforce_deadlines",
    "schedule": crontab(
        minute=_cron[0],
        hour=_cron[1],
        day_of_month=_cron[2],
        month_of_year=_cron[3],
        day_of_week=_cron[4],
    ),
}

# Supervision console (issue 17, console branch), R-J4/R-J7: mandatory controls that are due
# or overdue are flagged in the log once per plan and due date (verbund.console.tasks).
CELERY_BEAT_SCHEDULE["flag-due-controls"] = {
    "task": "verbund.console.tasks.flag_due_controls",
    "schedule": 24 * 3600.0,
}

# Issue 17, auditlog branch: BKA IT operators never reach the officers' pages (R-I2, R-I5).
MIDDLEWARE.insert(
    MIDDLEWARE.index("verbund.middleware.NoStoreMiddleware") + 1,
    "audit.middleware.OperatorPathsMiddleware",
)

# Subject access (issue 17, subjects branch): R-K1-K5, R-K3a.
INSTALLED_APPS += ["subjects"]
# Hours an owner has to decide a subject request put to it (``subject_request`` items, R-K1).
VERBUND_SUBJECT_REQUEST_DUE_HOURS = float(env("VERBUND_SUBJECT_REQUEST_DUE_HOURS", "168"))
# Most records one request puts to their owners per file (a name, not a grid search, R-E5).
VERBUND_SUBJECT_REQUEST_MATCH_LIMIT = int(env("VERBUND_SUBJECT_REQUEST_MATCH_LIMIT", "200"))
CELERY_BEAT_SCHEDULE["remind-overdue-subject-requests"] = {
    "task": "subjects.tasks.remind_overdue_subject_requests",
    "schedule": _REMINDER_SECONDS,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "SubjectAskEnum": "subjects.models.Ask.values",
        "SubjectOutcomeEnum": "subjects.models.Outcome.values",
        "SubjectRequestStatusEnum": "subjects.models.RequestStatus.values",
        "SubjectScopeEnum": "subjects.models.Scope.values",
        "SubjectRequestItemKindEnum": ["subject_request"],
    }
)

# Subject access, issue 18 (gws-claims): challenges and deletion grounds keep their names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "SubjectChallengeKindEnum": "subjects.models.ChallengeKind.values",
        "SubjectChallengeOutcomeEnum": "subjects.models.ChallengeOutcome.values",
        "ObjectionOutcomeEnum": ["rejected", "upheld"],
        "CourtRulingOutcomeEnum": ["deletion_ordered", "dismissed"],
        "InvokedDeletionGroundEnum": "subjects.models.InvokedGround.values",
        "CourtRulingDeletionGroundEnum": ["no_legal_basis", "unlawful"],
        "DeletionGroundEnum": "verbund.models.lifecycle.DeletionGround.values",
    }
)
# Issue 18 (gws-basis): review causes named once (the lapsed causes of a review reuse them).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {"ReviewCauseEnum": "verbund.models.lifecycle.ReviewCause.values"}
)
# GWS records (issue 18, gws-records): the incident report's choice sets keep their names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "ProceedingsStatusEnum": "verbund.services.record_rules.PROCEEDINGS_STATUSES",
        "MeasureKindEnum": "verbund.services.record_rules.MEASURE_KINDS",
    }
)

# International exchange (issue 20, intlreg branch): no foreign access (R-N1) — a session of
# an account flagged foreign is refused and ended right after authentication.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "international.middleware.ForeignAccessMiddleware",
)
# Issue 20, intlts: the originator marking's kind keeps its name (R-N3).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {"OriginatorKindEnum": "international.models.OriginatorKind.values"}
)
# Transfers abroad, issue 20 (intltr): the channel of a transfer abroad keeps its name
# beside the channel of a release from a state system; the consent item's kind its own.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "TransferChannelEnum": "international.services.transfers.Channel.values",
        "TransferStatusEnum": "verbund.models.transfers.TransferStatus.values",
        "TransferConsentKindEnum": ["transfer_consent"],
    }
)
