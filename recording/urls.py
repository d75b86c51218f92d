from django.urls import path

from recording import views

app_name = "recording"
urlpatterns = [
    path("", views.review, name="review"),
    path("segments/<str:camera>/<int:seq>.mp4", views.segment, name="segment"),
    path("holds/", views.hold_place, name="hold_place"),
    path("holds/<str:hold_id>/lift/", views.hold_lift, name="hold_lift"),
    path("exports/", views.export_start, name="export_start"),
    path("exports/<int:pk>/", views.export_page, name="export"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
