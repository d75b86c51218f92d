"""Rooms in use now, a room's live camera grid, and staff's camera management."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bidroom import cameras
from bidroom.capture.sources import redacted
from bidroom.models import Camera, Gap, Room
from config.errors import DomainError, NotFound, NotPermitted


class CameraForm(forms.Form):
    ident = forms.RegexField(label=_("Camera id"), regex=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$", max_length=32,
                             help_text=_("Letters, digits and hyphens, e.g. R301-front. It names the recordings."))
    name = forms.CharField(label=_("Name"), max_length=64)
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.all(), required=False,
                                  empty_label=_("(no room)"))
    source = forms.CharField(label=_("Source"), max_length=500, help_text=_(
        "rtsp://user:password@host/path, http://host/path (MJPEG), a video file path, a device number, "
        "or synthetic:NAME for a test pattern."))
    position = forms.IntegerField(label=_("Position in the grid"), min_value=0, max_value=999, initial=0)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)


@login_required
def rooms_now(request: HttpRequest) -> HttpResponse:
    try:
        rows = cameras.rooms_in_use(user=request.user)
    except NotPermitted:
        raise PermissionDenied from None
    return render(request, "bidroom/rooms_now.html", {"rows": rows})


@login_required
def room_live(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        room = cameras.room_for_watching(user=request.user, pk=pk)
    except NotPermitted:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    row = next((r for r in cameras.rooms_in_use(user=request.user) if r.room.pk == room.pk), None)
    return render(request, "bidroom/room_live.html", {
        "room": room, "cameras": list(room.cameras.all()), "booking": row.booking if row else None,
        "can_manage": request.user.has_perm("bidroom.manage_cameras")})


@login_required
def camera_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("bidroom.manage_cameras"):
        raise PermissionDenied
    form = CameraForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cameras.camera_create(by=request.user, ident=data["ident"], name=data["name"], room=data["room"],
                                  source=data["source"], position=data["position"])
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Camera added."))
            return redirect("bidroom:cameras")
    now = timezone.now()
    open_gaps = dict(Gap.objects.filter(end__isnull=True).values_list("camera_id", "start"))
    rows = [{"camera": c, "source": redacted(c.source), "live": bool(c.holder and c.lease_expires_at
                                                                     and c.lease_expires_at > now),
             "offline_since": open_gaps.get(c.pk)}
            for c in Camera.objects.select_related("room")]
    return render(request, "bidroom/cameras.html", {"rows": rows, "form": form})


@login_required
def camera_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("bidroom.manage_cameras"):
        raise PermissionDenied
    camera = get_object_or_404(Camera, pk=pk)
    initial = {"ident": camera.ident, "name": camera.name, "room": camera.room, "source": camera.source,
               "position": camera.position, "enabled": camera.enabled}
    form = CameraForm(request.POST or None, initial=initial)
    form.fields["ident"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cameras.camera_update(camera=camera, by=request.user, name=data["name"], room=data["room"],
                                  source=data["source"], position=data["position"], enabled=data["enabled"])
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Camera saved."))
            return redirect("bidroom:cameras")
    return render(request, "bidroom/camera_edit.html", {"camera": camera, "form": form})


@login_required
@require_POST
def camera_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("bidroom.manage_cameras"):
        raise PermissionDenied
    camera = get_object_or_404(Camera, pk=pk)
    try:
        cameras.camera_delete(camera=camera, by=request.user)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Camera removed."))
    return redirect("bidroom:cameras")
