"""The inspectors' audit browser, the demo-time control, and the public proofs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from audit import clock, integrity, selectors, services
from audit.forms import ClockAdvanceForm
from audit.models import Checkpoint, ChainCheck
from config.errors import DomainError


class EventFilterForm(forms.Form):
    kind = forms.CharField(label=_("Kind"), required=False, max_length=64)
    object = forms.CharField(label=_("Object"), required=False, max_length=128)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=64)
    since = forms.DateTimeField(label=_("From"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = forms.DateTimeField(label=_("To"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@login_required
def event_browser(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("audit.browse"):
        raise PermissionDenied
    form = EventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.events_filtered(**{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # Every look at the record is itself recorded (DESIGN: inspectors).
    services.event_append(kind="audit.browsed", actor=services.actor_of(request.user), object="",
                          payload={"filters": {k: str(v) for k, v in filters.items() if v}, "page": page.number})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_browser.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "last_check": ChainCheck.objects.order_by("-pk").first(),
        "checkpoint": Checkpoint.objects.order_by("-size").first(),
    })


@login_required
@require_POST
def chain_verify(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("audit.verify_chain"):
        raise PermissionDenied
    try:
        check = integrity.chain_check_run(by=request.user)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        if check.ok:
            messages.success(request, _("The record verifies: %(size)s events, every link and checkpoint intact.")
                             % {"size": check.size})
        else:
            messages.error(request, _("The record is broken at event %(seq)s: %(code)s.")
                           % {"seq": check.seq, "code": check.code})
    return redirect("audit:events")


@login_required
@require_POST
def clock_advance(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("audit.advance_clock"):
        raise PermissionDenied
    form = ClockAdvanceForm(request.POST)
    if form.is_valid():
        try:
            services.clock_advance(by=request.user, to=form.cleaned_data["to"])
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("Platform time moved to %(to)s.")
                             % {"to": timezone.localtime(form.cleaned_data["to"]).strftime("%Y-%m-%d %H:%M")})
    else:
        messages.error(request, _("Please give the date and time to move to."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)


def clock_now(request: HttpRequest) -> JsonResponse:
    """Platform time for pages that stamp something (a cosignature's time, say)."""
    now = clock.now()
    return JsonResponse({"now": clock.format_ts(now), "epoch_ms": int(now.timestamp() * 1000),
                         "offset_ms": int(clock.offset().total_seconds() * 1000)})


# Checkpoints and proofs carry only hashes and signatures: public, as a transparency log is.
def checkpoint_latest(request: HttpRequest) -> HttpResponse:
    checkpoint = Checkpoint.objects.order_by("-size").first()
    if checkpoint is None:
        return HttpResponse(status=404)
    return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")


def checkpoint_at(request: HttpRequest, size: int) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, size=size)
    return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")


def _int_param(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "")
    if not value.isdigit():
        raise ValueError(name)
    return int(value)


def proof_inclusion(request: HttpRequest) -> HttpResponse:
    try:
        seq, size = _int_param(request, "seq"), _int_param(request, "size")
        return JsonResponse(selectors.inclusion_proof(seq=seq, size=size))
    except (ValueError, Checkpoint.DoesNotExist):
        return HttpResponseBadRequest("seq and size must name an event and a checkpoint that covers it")


def proof_consistency(request: HttpRequest) -> HttpResponse:
    try:
        old, new = _int_param(request, "old"), _int_param(request, "new")
        return JsonResponse(selectors.consistency_proof(old=old, new=new))
    except (ValueError, Checkpoint.DoesNotExist):
        return HttpResponseBadRequest("old and new must name two checkpoints, old ≤ new")
