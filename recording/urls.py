from django.urls import path

from recording import views

app_name = "recording"
urlpatterns = [
    path("", views.review, name="review"),
    path("segments/<str:camera>/<int:seq>.mp4", views.segment, name="segment"),
]
