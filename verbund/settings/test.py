"""Settings for `make test`: a real PostgreSQL and a real Redis, never SQLite or a fake."""

import dj_database_url

from verbund.settings.base import *  # noqa: F403
from verbund.settings.base import env

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"))}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("Tests run against PostgreSQL only (DATABASE_URL must be postgres://)")
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
