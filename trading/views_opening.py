"""The opening page and the endpoints its script calls (thin: parse, call a service, answer).

K_b and shares arrive here only as stanzas wrapped to the opening worker's one-time key: this
process stores them for the worker and can read neither."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from config.errors import NotPermitted
from trading import opening_keys, opening_responses, opening_shares
from trading.models import Lot, Opening
from trading.opening_selectors import opening_for, opening_state
from trading.views_json import json_answer, json_body


def _lot(pk: int) -> Lot:
    return get_object_or_404(Lot.objects.select_related("listing"), pk=pk)


def _opening(request: HttpRequest, pk: int) -> Opening:
    try:
        return opening_for(_lot(pk), request.user)
    except NotPermitted:
        raise PermissionDenied from None


@login_required
@require_GET
def opening_page(request: HttpRequest, pk: int) -> HttpResponse:
    opening = _opening(request, pk)
    return render(request, "trading/opening.html", {"lot": opening.lot, "listing": opening.lot.listing,
                                                    "opening": opening})


@login_required
@require_GET
def opening_state_json(request: HttpRequest, pk: int) -> HttpResponse:
    return json_answer(lambda: opening_state(_lot(pk), request.user))


def _submission_json(row) -> dict[str, Any]:
    return {"id": row.pk, "state": row.state, "code": row.code,
            "receipt": json.loads(row.receipt_cj) if getattr(row, "receipt_cj", "") else None}


@login_required
@require_POST
def key_submit(request: HttpRequest, pk: int) -> HttpResponse:
    opening = _opening(request, pk)

    def call() -> dict[str, Any]:
        body = json_body(request)
        row = opening_keys.key_submit(opening_id=opening.pk, by=request.user, lock_seq=int(body.get("lock_seq") or 0),
                                      submission=body.get("submission"), stanza=body.get("stanza"))
        return _submission_json(row)
    return json_answer(call, status=202)


@login_required
@require_GET
def key_status(request: HttpRequest, pk: int, submission: int) -> HttpResponse:
    return json_answer(lambda: _submission_json(opening_keys.key_status(pk=submission, by=request.user)))


@login_required
@require_POST
def share_submit(request: HttpRequest, pk: int) -> HttpResponse:
    opening = _opening(request, pk)

    def call() -> dict[str, Any]:
        body = json_body(request)
        row = opening_shares.share_submit(opening_id=opening.pk, by=request.user,
                                          lock_seq=int(body.get("lock_seq") or 0), kind=str(body.get("kind", "")),
                                          x=int(body.get("x") or 0), stanza=body.get("stanza"))
        return _submission_json(row)
    return json_answer(call, status=202)


@login_required
@require_GET
def share_status(request: HttpRequest, pk: int, submission: int) -> HttpResponse:
    return json_answer(lambda: _submission_json(opening_shares.share_status(pk=submission, by=request.user)))


@login_required
@require_GET
def record_download(request: HttpRequest, pk: int) -> HttpResponse:
    opening = _opening(request, pk)
    if not opening.record_path:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / opening.record_path
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"opening-record-{opening.lot.code}.pdf",
                        content_type="application/pdf")


@login_required
@require_POST
def record_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    opening = _opening(request, pk)
    return json_answer(lambda: {"id": opening_responses.record_confirm(opening_id=opening.pk, by=request.user).pk})


@login_required
@require_POST
def record_object(request: HttpRequest, pk: int) -> HttpResponse:
    opening = _opening(request, pk)
    return json_answer(lambda: {"id": opening_responses.record_object(
        opening_id=opening.pk, by=request.user, text=str(json_body(request).get("text", ""))).pk})


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int, response: int) -> HttpResponse:
    _opening(request, pk)
    return json_answer(lambda: {"id": opening_responses.objection_answer(
        response_id=response, by=request.user, text=str(json_body(request).get("text", ""))).pk})
