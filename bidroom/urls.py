from django.urls import path

from bidroom import views, views_live

app_name = "bidroom"

urlpatterns = [
    path("calendar/", views.room_calendar, name="calendar"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("now/", views_live.rooms_now, name="now"),
    path("<int:pk>/live/", views_live.room_live, name="live"),
    path("cameras/", views_live.camera_list, name="cameras"),
    path("cameras/<int:pk>/", views_live.camera_edit, name="camera_edit"),
    path("cameras/<int:pk>/delete/", views_live.camera_delete, name="camera_delete"),
]
