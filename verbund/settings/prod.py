"""Production settings: secrets and services from the environment, HTTPS only.

Production refuses to start half-configured: without DJANGO_SECRET_KEY, DATABASE_URL or
REDIS_URL ``env()`` raises at import, naming the variable — no silent fallback to the
SQLite file or the local Redis that the base settings offer for development.
"""

import dj_database_url

from verbund.settings.base import *  # noqa: F403
from verbund.settings.base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False

# Persistent connections (issue 19): a connection per request cost a TCP and
# authentication handshake on every search. Each gunicorn thread keeps its connection for
# VERBUND_CONN_MAX_AGE seconds (default 600); Django's health check (one trivial round trip
# when a request reuses a connection) replaces a connection the server dropped instead of
# failing the request. Workers x threads (scripts/serve.sh: 2 x 4) bound the connections.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL"),
        conn_max_age=int(env("VERBUND_CONN_MAX_AGE", "600")),
        conn_health_checks=env("VERBUND_CONN_HEALTH_CHECKS", "1") == "1",
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("Production runs on PostgreSQL only (DATABASE_URL must be postgres://)")
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)

SECURE_SSL_REDIRECT = env("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
