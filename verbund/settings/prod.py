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

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60)}
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
