"""The OpenAPI schema endpoint: the schema as YAML or JSON, its errors as JSON.

drf-spectacular's view renders with its OpenAPI renderers only, so an error of the endpoint
itself — ``?format=xml`` (404), ``Accept: application/xml`` (406), a throttle — came back as
YAML with ``Content-Type: application/vnd.oai.openapi``. Every error here is the api.md
error shape in ``application/json``, like every other error under /api/.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """``GET /api/v1/schema/``: the schema; errors in the JSON error shape."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Render an error answer with the JSON renderer, whatever was negotiated."""
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
