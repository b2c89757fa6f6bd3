"""Settings for `make run`: SQLite in var/, Celery over the filesystem transport."""

from typing import Any

from verbund.settings.base import *  # noqa: F403
from verbund.settings.base import VAR_DIR, env

DEBUG = env("DJANGO_DEBUG", "0") == "1"

# Embedded broker: kombu's filesystem transport needs no server; the worker and beat
# started by `make run` really consume from it.
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {  # type: ignore[no-redef]
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcasts (worker pings of /health/, remote control) go through this folder;
        # absolute, so web and worker meet there whatever their working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
