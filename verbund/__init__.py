"""Verbund: a simulated German federated police and intelligence index file."""

from verbund.celery import app as celery_app

__all__ = ["celery_app"]
