"""The draw room (staff, supervisor, inspector), the projector view, the public draw page,
the experts' own calls. Thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import canonical_json
from audit.cosign import cosigned_by
from bidroom.models import Booking
from config.errors import DomainError
from experts import calls, selectors, services
from experts.forms import DrawCreateForm, ReplyForm, WitnessForm
from experts.models import Draw, Pick
from experts.record import NoRecord, draw_record
from trading.models import Lot
from trading.selectors import listings_visible_to


def _room_draw(request: HttpRequest, pk: int) -> Draw:
    draw = selectors.draw_for_room(request.user, pk)
    if draw is None:
        raise Http404
    return draw


def _room_context(request: HttpRequest, draw: Draw) -> dict:
    user = request.user
    checkpoint = services.freeze_checkpoint(draw)
    supervisor = draw.lot.supervisor
    return {
        "draw": draw, "public": selectors.public_state(draw), "picks": selectors.picks_for(user, draw),
        "names_visible": selectors.names_visible(user, draw), "checkpoint": checkpoint,
        "cosigned": bool(checkpoint and supervisor and cosigned_by(checkpoint, supervisor)),
        "can_run": user.has_perm("experts.run_draw"), "can_witness": user.has_perm("experts.witness_draw", draw),
        "can_see_manifest": user.has_perm("experts.view_names"),
        "witness_form": WitnessForm(), "award_published": services.award_published(draw.lot),
        "exhausted": draw.state in calls.OPEN and calls.replay(draw).exhausted,
    }


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    if not (request.user.has_perm("experts.run_draw") or request.user.has_perm("experts.view_names")
            or request.user.role == "supervisor"):
        raise PermissionDenied
    draws = [d for d in Draw.objects.select_related("lot__listing", "lot__supervisor", "follows")[:200]
             if request.user.has_perm("experts.view_room", d)]
    lots = (Lot.objects.filter(listing__in=listings_visible_to(request.user)).select_related("listing")
            .exclude(listing__status__in=("draft", "submitted", "cancelled", "archived"))[:200]
            if request.user.has_perm("experts.run_draw") else [])
    return render(request, "experts/draw_list.html", {"draws": draws, "lots": lots})


@login_required
def draw_create(request: HttpRequest, lot_pk: int) -> HttpResponse:
    if not request.user.has_perm("experts.run_draw"):
        raise PermissionDenied
    lot = get_object_or_404(Lot.objects.select_related("listing"), pk=lot_pk,
                            listing__in=listings_visible_to(request.user))
    purpose = "contractor" if lot.listing.kind == "fixed_price" else "expert"
    initial = {"purpose": purpose, "k": 1 if purpose == "contractor" else 5, "m": 2 if purpose == "contractor" else 3}
    form = DrawCreateForm(request.POST or None, lot=lot, initial=initial)
    if request.method == "POST" and form.is_valid():
        booking = Booking.objects.filter(listing=lot.listing, purpose=Booking.Purpose.DRAW).order_by("starts_at").first()
        data = form.cleaned_data
        try:
            draw = services.draw_create(by=request.user, request=services.DrawRequest(
                lot=lot, purpose=data["purpose"], k=data["k"], m=data["m"],
                specialties=[s.code for s in data["specialties"]], regions=form.region_list(),
                contact_attempts=data["contact_attempts"], contact_minutes=data["contact_minutes"],
                follows=data["follows"], booking_id=booking.pk if booking else None))
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Draw %(id)s created; only its commitment is on the record.")
                             % {"id": draw.draw_id})
            return redirect("experts:room", pk=draw.pk)
    return render(request, "experts/draw_form.html", {"form": form, "lot": lot})


@login_required
def room(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _room_draw(request, pk)
    template = "experts/_room_state.html" if request.GET.get("fragment") else "experts/room.html"
    return render(request, template, _room_context(request, draw))


def _act(request: HttpRequest, draw: Draw, action: Callable[[], object], done: str) -> HttpResponse:
    try:
        action()
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, done)
    return redirect("experts:room", pk=draw.pk)


@login_required
@require_POST
def freeze(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _room_draw(request, pk)
    return _act(request, draw, lambda: services.draw_freeze(draw=draw, by=request.user),
                _("Frozen: the pool, the exclusions and the candidates are fixed, and the anchor is set."))


@login_required
@require_POST
def checkpoint(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _room_draw(request, pk)
    if not request.user.has_perm("experts.run_draw"):
        raise PermissionDenied
    return _act(request, draw, lambda: services.draw_checkpoint(draw=draw), _("Freeze checkpoint issued."))


@login_required
@require_POST
def witness(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _room_draw(request, pk)
    form = WitnessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the witness digits."))
        return redirect("experts:room", pk=draw.pk)

    def run() -> None:
        result = services.draw_witness_and_run(draw=draw, by=request.user, witness=form.cleaned_data["witness"])
        if result.state == Draw.State.ABANDONED:
            raise DomainError(_("The draw failed after the witness and was abandoned (%(reason)s). It will not be "
                                "run again; create a new draw that follows it.") % {"reason": result.abandon_reason})

    return _act(request, draw, run, _("Witness recorded and the draw made."))


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _room_draw(request, pk)
    return _act(request, draw, lambda: services.draw_reveal(draw=draw, by=request.user),
                _("The secret is revealed; anyone can now recompute the draw."))


@login_required
@require_POST
def abandon(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _room_draw(request, pk)
    reason = request.POST.get("reason", "").strip().upper().replace(" ", "_")[:64] or "ABANDONED_BY_STAFF"
    return _act(request, draw, lambda: services.draw_abandon(draw=draw, by=request.user, reason=reason),
                _("The draw is abandoned; a new draw can follow it."))


@login_required
@require_POST
def pick_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    pick = get_object_or_404(Pick.objects.select_related("draw"), pk=pk)
    draw = _room_draw(request, pick.draw_id)
    service = {"call": calls.call_again, "no-answer": calls.call_no_answer}.get(action)
    if service is None:
        raise Http404
    return _act(request, draw, lambda: service(pick=pick, by=request.user),
                _("Position %(position)s: recorded.") % {"position": pick.position})


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspectors' record (draw.md §6), for `python -m experts.draw verify`."""
    if not request.user.has_perm("experts.export_draw"):
        raise PermissionDenied
    draw = _room_draw(request, pk)
    try:
        body = canonical_json.dumps(draw_record(draw))
    except NoRecord:
        raise Http404 from None
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{draw.draw_id}.json"'
    return response


def _public_draw(draw_id: str) -> Draw:
    return get_object_or_404(selectors.draws_public(), draw_id=draw_id)


def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/public_list.html", {"draws": selectors.draws_public()[:200]})


# Public pages show what is published, whoever looks: an inspector's names stay in the room.
def public_page(request: HttpRequest, draw_id: str) -> HttpResponse:
    draw = _public_draw(draw_id)
    state = selectors.public_state(draw)
    return render(request, "experts/public.html", {
        "draw": draw, "public": state, "picks": selectors.picks_for(AnonymousUser(), draw) if draw.result else [],
        "others": draw.lot.draws.filter(purpose=draw.purpose).exclude(pk=draw.pk).order_by("created_at"),
        "recomputable": "candidates" in state})


def public_json(request: HttpRequest, draw_id: str) -> JsonResponse:
    return JsonResponse(selectors.public_state(_public_draw(draw_id)), json_dumps_params={"ensure_ascii": False})


def screen(request: HttpRequest, draw_id: str) -> HttpResponse:
    """The draw room's projector: commit, anchor, witness, result; positions, never names
    before they are public."""
    draw = _public_draw(draw_id)
    template = "experts/_screen_state.html" if request.GET.get("fragment") else "experts/screen.html"
    return render(request, template, {"draw": draw, "public": selectors.public_state(draw),
                                      "picks": selectors.picks_for(AnonymousUser(), draw) if draw.result else [],
                                      "cosigned": services.freeze_cosigned(draw)})


@login_required
def my_calls(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/my_calls.html", {"calls": selectors.calls_of(request.user)})


@login_required
def call_page(request: HttpRequest, pk: int) -> HttpResponse:
    pick = selectors.call_for(request.user, pk)
    if pick is None:
        raise Http404
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calls.call_reply(pick=pick, by=request.user, answer=form.cleaned_data["answer"],
                             text=form.cleaned_data["text"])
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Your answer was recorded. Thank you."))
            return redirect("experts:call", pk=pick.pk)
    pick.refresh_from_db()
    return render(request, "experts/call.html", {"pick": pick, "draw": pick.draw, "form": form,
                                                 "replies": pick.replies.order_by("received_at")})
