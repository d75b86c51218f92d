"""The room calendar for staff and supervisors, and booking for staff."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from audit import clock
from audit.clock import SHANGHAI
from bidroom import services
from bidroom.models import Booking, Room
from config.errors import DomainError
from trading.models import Listing


class BookingForm(forms.Form):
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.all())
    listing = forms.ModelChoiceField(label=_("Listing"), queryset=Listing.objects.exclude(
        status__in=["draft", "submitted", "cancelled", "archived"]).order_by("code"), to_field_name="code")
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Booking.Purpose.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class WeekForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def room_calendar(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("bidroom.view_calendar"):
        raise PermissionDenied
    week = WeekForm(request.GET or None)
    first = (week.cleaned_data.get("start") if week.is_valid() else None) or clock.now().astimezone(SHANGHAI).date()
    start = datetime.combine(first, time(0), tzinfo=SHANGHAI)
    days = [first + timedelta(days=i) for i in range(7)]
    rooms = list(Room.objects.all())
    bookings = services.room_calendar(day_from=start, days=7)
    grid = [{"room": room, "days": [[b for b in bookings if b.room_id == room.pk
                                     and b.starts_at.astimezone(SHANGHAI).date() == day] for day in days]}
            for room in rooms]
    form = BookingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.has_perm("bidroom.book_room"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.booking_create(room=data["room"], listing=data["listing"], purpose=data["purpose"],
                                        starts_at=data["starts_at"], ends_at=data["ends_at"], by=request.user)
            except DomainError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Booked."))
                return redirect(f"{request.path}?start={first.isoformat()}")
    return render(request, "bidroom/calendar.html", {
        "days": days, "grid": grid, "form": form, "previous": first - timedelta(days=7),
        "next": first + timedelta(days=7), "can_book": request.user.has_perm("bidroom.book_room")})


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("bidroom.book_room"):
        raise PermissionDenied
    booking = get_object_or_404(Booking, pk=pk)
    try:
        services.booking_cancel(booking=booking, by=request.user)
    except DomainError as e:
        messages.error(request, str(e))
    return redirect("bidroom:calendar")
