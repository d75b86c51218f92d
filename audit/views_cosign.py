"""The supervisor's cosigning page: the checks and the signature happen in the browser
(static/js/cosign.js); the server receives only the cosignature line."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.keys import key_current
from accounts.models import PublicKey
from audit import keys
from audit.cosign import checkpoint_cosign, cosigned_by, cosigner_name
from audit.models import Checkpoint
from config.errors import DomainError


@login_required
def cosign_page(request: HttpRequest, size: int) -> HttpResponse:
    if not request.user.has_perm("audit.cosign_checkpoint"):
        raise PermissionDenied
    checkpoint = get_object_or_404(Checkpoint, size=size)
    if request.method == "POST":
        try:
            line = json.loads(request.body.decode("utf-8")).get("line", "")
            row = checkpoint_cosign(by=request.user, size=size, line=str(line))
        except (ValueError, AttributeError):
            return JsonResponse({"ok": False, "message": "bad request"}, status=400)
        except DomainError as e:
            return JsonResponse({"ok": False, "code": e.code, "message": str(e)}, status=e.http_status)
        return JsonResponse({"ok": True, "t": row.timestamp})
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return render(request, "audit/cosign.html", {
        "checkpoint": checkpoint, "origin": keys.origin(), "platform_pk": keys.public_key().hex(),
        "name": cosigner_name(request.user), "back": back,
        "key": key_current(owner=request.user, purpose=PublicKey.Purpose.COSIGNER),
        "already": cosigned_by(checkpoint, request.user)})
