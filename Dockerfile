# Verbund production image: gunicorn (web), celery worker and celery beat all run from it
# (see docker-compose.yml). Settings: verbund.settings.prod, configured by the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=verbund.settings.prod \
    VERBUND_VAR_DIR=/var/lib/verbund

# gettext: compilemessages for the German translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files and translations are built into the image; the key and service URLs below
# exist only for these build steps, which connect to nothing (the prod settings refuse to
# start without DJANGO_SECRET_KEY, DATABASE_URL and REDIS_URL).
RUN export DJANGO_SECRET_KEY=image-build-only-not-used-at-runtime \
        DATABASE_URL=postgres://image-build-only@localhost/unused \
        REDIS_URL=redis://localhost:6379/0 \
    && python manage.py collectstatic --noinput --verbosity 0 \
    && if find . -path '*/locale/de/LC_MESSAGES/*.po' -print -quit | grep -q .; then \
           python manage.py compilemessages -l de --ignore=var; \
       fi \
    && useradd --system --uid 10001 --home-dir /var/lib/verbund verbund \
    && chown -R verbund /var/lib/verbund

USER verbund
EXPOSE 8000
# scripts/gunicorn.conf.py: no Server header, access log to stdout (as in docker-compose).
CMD ["gunicorn", "-c", "scripts/gunicorn.conf.py", "verbund.wsgi:application", \
     "--bind", "0.0.0.0:8000", "--workers", "3"]
