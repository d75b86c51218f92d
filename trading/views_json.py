"""JSON endpoints' plumbing for the pages' scripts: errors are {code, message} in the reader's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse

from config.errors import DomainError
from trading.errors import BadRequest


def json_answer(call: Callable[[], dict[str, Any]], status: int = 200) -> JsonResponse:
    try:
        return JsonResponse(call(), status=status)
    except DomainError as e:
        return JsonResponse({"code": e.code, "message": str(e), **_params(e)}, status=e.http_status)


def _params(error: DomainError) -> dict[str, Any]:
    # The script resumes from `expected` after a lost piece; other params are for people.
    return {"expected": error.params["expected"]} if "expected" in error.params else {}


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        value = json.loads(request.body or b"{}")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise BadRequest()
    return value
