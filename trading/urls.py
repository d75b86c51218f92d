from django.urls import path

app_name = "trading"

urlpatterns: list = []
