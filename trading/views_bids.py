"""Sealed-bid pages and the upload endpoints the bid page's script calls (thin: parse, call
trading.bids or its selectors, answer). Errors are JSON {code, message} in the reader's language."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import NotPermitted
from trading import bid_selectors, bids, listing_keys
from trading.views_json import json_answer as _answer
from trading.views_json import json_body as _body
from trading.models import Envelope, Lot
from trading.selectors import listings_visible_to
from trading.views import visible_listing


def _visible_lot(request: HttpRequest, pk: int) -> Lot:
    return get_object_or_404(Lot.objects.select_related("listing"), pk=pk,
                             listing__in=listings_visible_to(request.user))


def _upload_json(upload) -> dict[str, Any]:
    return {"token": upload.token, "kind": upload.kind, "size": upload.size, "received": upload.received,
            "state": upload.state, "refusal": upload.refusal}


def _envelope_json(envelope: Envelope) -> dict[str, Any]:
    return {"seq": envelope.seq, "kind": envelope.kind, "receipt": json.loads(envelope.receipt_cj)}


@login_required
@require_GET
def bid_page(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _visible_lot(request, pk)
    try:
        page = bid_selectors.bid_page(lot, request.user)
    except NotPermitted:
        raise PermissionDenied from None
    return render(request, "trading/bid.html", {
        "page": page, "lot": lot, "listing": lot.listing, "declarations": bid_selectors.declarations(lot.listing),
        "sealing": page.sealing_data() if page.registered else None})


@login_required
@require_POST
def upload_begin(request: HttpRequest, pk: int) -> JsonResponse:
    lot = _visible_lot(request, pk)

    def begin() -> dict[str, Any]:
        data = _body(request)
        upload = bids.upload_begin(lot=lot, by=request.user, kind=str(data.get("kind", "")),
                                   header=str(data.get("header", "")), header_sig=str(data.get("header_sig", "")),
                                   sealer=str(data.get("sealer", "")), size=_int(data.get("size")))
        return _upload_json(upload)
    return _answer(begin, status=201)


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


@login_required
@require_http_methods(["GET", "PUT"])
def upload_piece(request: HttpRequest, token: str) -> JsonResponse:
    """GET: how much has arrived (to resume). PUT ?offset=N: the next piece, streamed to disk."""
    if request.method == "GET":
        return _answer(lambda: _upload_json(bids.upload_status(token=token, by=request.user)))
    length = _int(request.META.get("CONTENT_LENGTH"))
    return _answer(lambda: _upload_json(bids.upload_append(
        token=token, by=request.user, offset=_int(request.GET.get("offset")), stream=request, length=length)))


@login_required
@require_POST
def upload_finish(request: HttpRequest, token: str) -> JsonResponse:
    return _answer(lambda: _envelope_json(bids.upload_finish(token=token, by=request.user)))


@login_required
@require_POST
def bid_withdraw(request: HttpRequest, pk: int) -> JsonResponse:
    lot = _visible_lot(request, pk)

    def withdraw() -> dict[str, Any]:
        done = bids.bid_withdraw(lot=lot, by=request.user, request=_body(request))
        return {"seq": done.seq, "receipt": json.loads(done.receipt_cj)}
    return _answer(withdraw)


@login_required
@require_GET
def my_bids(request: HttpRequest) -> HttpResponse:
    try:
        rows = bid_selectors.my_bids(request.user)
    except NotPermitted:
        raise PermissionDenied from None
    return render(request, "trading/my_bids.html", {"rows": rows, "platform": bid_selectors.platform_data()})


@login_required
@require_GET
def receipt_download(request: HttpRequest, seq: int) -> HttpResponse:
    try:
        receipt = bid_selectors.receipt_of(request.user, seq)
    except NotPermitted:
        raise PermissionDenied from None
    response = JsonResponse(receipt)
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt["listing"]}-{seq}.json"'
    return response


@login_required
@require_GET
def my_shares(request: HttpRequest) -> HttpResponse:
    return render(request, "trading/shares.html", {"shares": listing_keys.shares_of(request.user)})


@login_required
@require_GET
def share_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        share = listing_keys.share_download(request.user, pk)
    except NotPermitted:
        raise PermissionDenied from None
    key = share.listing_key
    response = HttpResponse(share.file_cj, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="share-{key.lot.code}-{key.kind}-{share.x}.json"'
    return response


@require_GET
def notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as it is printed and sent to the statutory media, sealing declarations included."""
    listing = visible_listing(request, pk)
    return render(request, "trading/notice_print.html", {
        "listing": listing, "lots": listing.lots.all(), "declarations": bid_selectors.declarations(listing)})
