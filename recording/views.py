"""The inspector's review: find the recordings of a listing, room or camera over a time,
see each camera's timeline (recorded, gap, deleted, held), play a segment (MP4 with range
requests) beside the full-process record's events of that time, and see the chain checked.
Every segment played is itself recorded (`recording.viewed`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

import canonical_json
from audit import clock
from audit.clock import SHANGHAI
from audit.models import Event
from audit.services import actor_of, event_append
from bidroom.models import Booking, Camera, Room
from recording import selectors, verify
from recording.models import Hold, Row
from recording.services import segment_path
from trading.models import Listing


def _inspector(request: HttpRequest, action: str = "recording.review") -> None:
    if not request.user.has_perm(action):
        raise PermissionDenied


class ReviewForm(forms.Form):
    listing = forms.CharField(label=_("Listing code"), required=False, max_length=32)
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.all(), required=False)
    camera = forms.CharField(label=_("Camera id"), required=False, max_length=32)
    start = forms.DateTimeField(label=_("From"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=_("To"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("listing"):
            listing = Listing.objects.filter(code=data["listing"].strip()).first()
            if listing is None:
                raise forms.ValidationError(_("There is no listing %(code)s."), params={"code": data["listing"]})
            data["listing_obj"] = listing
            return data
        if not (data.get("room") or data.get("camera")):
            raise forms.ValidationError(_("Give a listing code, or a room or camera with a time range."))
        if not (data.get("start") and data.get("end")) or data["end"] <= data["start"]:
            raise forms.ValidationError(_("Give a time range whose end is after its start."))
        if data.get("camera") and not Camera.objects.filter(ident=data["camera"].strip()).exists():
            raise forms.ValidationError(_("There is no camera %(camera)s."), params={"camera": data["camera"]})
        return data


@dataclass
class Piece:
    kind: str            # recorded | gap | deleted | held
    row: Row
    left: float
    width: float


@dataclass
class Window:
    camera: Camera
    start: datetime
    end: datetime
    title: str
    pieces: list[Piece] = field(default_factory=list)
    badge: str = ""
    badge_ok: bool = False


def _windows(data: dict) -> tuple[list[Window], list[str]]:
    """(camera windows, audit objects to show beside the video)."""
    windows: list[Window] = []
    objects: list[str] = []
    if data.get("listing_obj"):
        listing = data["listing_obj"]
        objects.append(f"listing:{listing.code}")
        for booking in Booking.objects.filter(listing=listing).select_related("room"):
            for camera in Camera.objects.filter(room=booking.room):
                windows.append(Window(camera, booking.starts_at, booking.ends_at,
                                      f"{booking.get_purpose_display()} · {booking.room.name}"))
    else:
        cameras = (Camera.objects.filter(ident=data["camera"].strip()) if data.get("camera")
                   else Camera.objects.filter(room=data["room"]))
        for camera in cameras:
            windows.append(Window(camera, data["start"], data["end"], camera.room.name if camera.room else ""))
        for booking in Booking.objects.filter(room__cameras__in=cameras, starts_at__lt=data["end"],
                                              ends_at__gt=data["start"]).select_related("listing").distinct():
            objects.append(f"listing:{booking.listing.code}")
    objects += [f"camera:{w.camera.ident}" for w in windows]
    return windows, sorted(set(objects))


def _fill(window: Window, holds: list[Hold], checked: dict[int, tuple[bool, str]]) -> None:
    span = (window.end - window.start).total_seconds() or 1
    for row in Row.objects.filter(camera=window.camera, start__lt=window.end, end__gt=window.start).order_by("seq"):
        left = max(0.0, (row.start - window.start).total_seconds() / span * 100)
        right = min(100.0, (row.end - window.start).total_seconds() / span * 100)
        if row.kind == Row.Kind.GAP:
            kind = "gap"
        elif row.deleted_at is not None:
            kind = "deleted"
        elif any(h.covers(window.camera.ident, row.start, row.end) for h in holds):
            kind = "held"
        else:
            kind = "recorded"
        window.pieces.append(Piece(kind, row, left, max(0.2, right - left)))
    if window.camera.pk not in checked:
        try:
            report = selectors.chain_check(window.camera, retention_days=settings.RECORDING_RETENTION_DAYS)
            checked[window.camera.pk] = (True, str(_("Chain verified: %(n)s rows, files and heads match.")
                                                   % {"n": report.size}))
        except verify.Broken as e:
            checked[window.camera.pk] = (False, str(_("Chain broken: %(code)s at row %(seq)s.")
                                                    % {"code": e.code, "seq": e.seq}))
    window.badge_ok, window.badge = checked[window.camera.pk]


@login_required
def review(request: HttpRequest) -> HttpResponse:
    _inspector(request)
    form = ReviewForm(request.GET or None)
    windows: list[Window] = []
    events: list[dict] = []
    message = ""
    if form.is_bound and form.is_valid():
        windows, objects = _windows(form.cleaned_data)
        holds = list(Hold.objects.filter(released_at__isnull=True))
        checked: dict[int, tuple[bool, str]] = {}
        for window in windows:
            _fill(window, holds, checked)
        if not any(w.pieces for w in windows):
            message = _("No recordings in this range: nothing was recorded, or the cameras were not yet installed.")
        if windows:
            start, end = min(w.start for w in windows), max(w.end for w in windows)
            for event in Event.objects.filter(object__in=objects, ts__gte=start - timedelta(minutes=5),
                                              ts__lte=end + timedelta(minutes=5)).order_by("seq")[:500]:
                events.append({"seq": event.seq, "ts": event.ts, "ts_ms": int(event.ts.timestamp() * 1000),
                               "kind": event.kind, "object": event.object,
                               "payload": canonical_json.loads(event.payload.encode())})
    segments = [{"camera": w.camera.ident, "seq": p.row.seq, "start": int(p.row.start.timestamp() * 1000),
                 "end": int(p.row.end.timestamp() * 1000), "url": f"/recordings/segments/{w.camera.ident}/{p.row.seq}.mp4"}
                for w in windows for p in w.pieces if p.kind in ("recorded", "held")]
    export_span = ((clock.format_ts(min(w.start for w in windows)), clock.format_ts(max(w.end for w in windows)))
                   if windows else ("", ""))
    return render(request, "recording/review.html", {"form": form, "windows": windows, "events": events,
                                                     "segments": segments, "message": message, "tz": SHANGHAI,
                                                     "export_start": export_span[0], "export_end": export_span[1],
                                                     "active_holds": _holds_of(windows)})


def _holds_of(windows: list[Window]) -> list[Hold]:
    idents = {w.camera.ident for w in windows}
    return [h for h in Hold.objects.filter(released_at__isnull=True).order_by("placed_at")
            if idents & set(h.cameras) and any(h.start <= w.end and h.end >= w.start for w in windows)]


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@login_required
def segment(request: HttpRequest, camera: str, seq: int) -> HttpResponse:
    """One segment file, with range requests (browsers seek with them). The first request of
    a segment by a user in a session is recorded as `recording.viewed`."""
    _inspector(request)
    row = Row.objects.filter(camera__ident=camera, seq=seq, kind=Row.Kind.SEGMENT, deleted_at__isnull=True).first()
    path = segment_path(camera, seq)
    if row is None or not path.is_file():
        raise Http404
    size = path.stat().st_size
    first, last = 0, size - 1
    match = _RANGE.match(request.headers.get("Range", ""))
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            first = int(match.group(1))
            last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:
            first = max(0, size - int(match.group(2)))
        if first > last:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
    viewed = set(request.session.get("recording_viewed", []))
    key = f"{camera}/{seq}"
    if key not in viewed:
        event_append(kind="recording.viewed", actor=actor_of(request.user), object=f"camera:{camera}",
                     payload={"camera": camera, "seq": seq})
        request.session["recording_viewed"] = sorted(viewed | {key})
    handle = path.open("rb")
    handle.seek(first)
    length = last - first + 1
    response = StreamingHttpResponse(_limited(handle, length), content_type="video/mp4", status=206 if match else 200)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if match:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response


def _limited(handle, length: int):  # noqa: ANN001, ANN202
    try:
        while length > 0:
            block = handle.read(min(length, 1 << 16))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        handle.close()


# --- evidence exports ----------------------------------------------------------------------
@login_required
def export_start(request: HttpRequest) -> HttpResponse:
    from django.contrib import messages
    from django.db import transaction
    from django.shortcuts import redirect

    from config.errors import DomainError
    from recording.export import export_check
    from recording.models import Export
    from recording.tasks import export_task

    _inspector(request, "recording.export")
    if request.method != "POST":
        raise Http404
    idents = request.POST.getlist("camera")
    cameras = list(Camera.objects.filter(ident__in=idents))
    try:
        start, end = verify.parse_ts(request.POST.get("start", "")), verify.parse_ts(request.POST.get("end", ""))
    except ValueError:
        messages.error(request, _("Give a time range whose end is after its start."))
        return redirect("recording:review")
    if not cameras or len(cameras) != len(set(idents)) or end <= start:
        messages.error(request, _("Give a listing code, or a room or camera with a time range."))
        return redirect("recording:review")
    try:
        export_check(cameras=cameras, start=start, end=end)
    except DomainError as e:
        messages.error(request, str(e))
        return redirect(request.POST.get("back") or "recording:review")
    job = Export.objects.create(requested_by=request.user, requested_at=clock.now(), cameras=sorted(idents),
                                start=start, end=end)
    transaction.on_commit(lambda: export_task.delay(job.pk))
    return redirect("recording:export", pk=job.pk)


def _job(request: HttpRequest, pk: int):  # noqa: ANN202
    from recording.models import Export

    _inspector(request)
    job = Export.objects.filter(pk=pk, requested_by=request.user).first()
    if job is None:
        raise Http404
    return job


@login_required
def export_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "recording/export.html", {"job": _job(request, pk), "tz": SHANGHAI})


@login_required
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    from django.http import JsonResponse

    job = _job(request, pk)
    return JsonResponse({"state": job.state, "done": job.done, "total": job.total, "percent": job.percent,
                         "error": job.error, "sha256": job.sha256})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    from django.http import FileResponse

    from recording.export import zip_path

    job = _job(request, pk)
    if job.state != job.State.DONE or not zip_path(pk).is_file():
        raise Http404
    return FileResponse(zip_path(pk).open("rb"), as_attachment=True, filename=f"recording-export-{pk}.zip")


# --- holds -----------------------------------------------------------------------------------
@login_required
def hold_place(request: HttpRequest) -> HttpResponse:
    from django.contrib import messages
    from django.shortcuts import redirect

    from config.errors import DomainError
    from recording import holds

    _inspector(request, "recording.hold")
    if request.method != "POST":
        raise Http404
    back = request.POST.get("back") or "recording:review"
    cameras = list(Camera.objects.filter(ident__in=request.POST.getlist("camera")))
    try:
        start, end = verify.parse_ts(request.POST.get("start", "")), verify.parse_ts(request.POST.get("end", ""))
        hold = holds.hold_cameras(by=request.user, cameras=cameras, start=start, end=end,
                                  reason=request.POST.get("reason", ""))
    except ValueError:
        messages.error(request, _("Give a time range whose end is after its start."))
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Hold %(hold)s placed.") % {"hold": hold.hold_id})
    return redirect(back)


@login_required
def hold_lift(request: HttpRequest, hold_id: str) -> HttpResponse:
    from django.contrib import messages
    from django.shortcuts import redirect

    from config.errors import DomainError
    from recording import holds

    _inspector(request, "recording.hold")
    if request.method != "POST":
        raise Http404
    try:
        holds.hold_release(by=request.user, hold_id=hold_id)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Hold %(hold)s lifted.") % {"hold": hold_id})
    return redirect(request.POST.get("back") or "recording:review")
