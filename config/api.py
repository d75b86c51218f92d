"""DRF's one mapping of domain errors to HTTP answers (STYLE.md §8)."""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "message": str(exc)}, status=exc.http_status)
    return drf_exception_handler(exc, context)
