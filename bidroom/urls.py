from django.urls import path

from bidroom import views

app_name = "bidroom"

urlpatterns = [
    path("calendar/", views.room_calendar, name="calendar"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
]
