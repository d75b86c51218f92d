from django.urls import path

from audit.consumers import ClockConsumer
from experts.consumers import DrawConsumer

websocket_urlpatterns = [
    path("ws/clock/", ClockConsumer.as_asgi()),
    path("ws/draws/<int:pk>/", DrawConsumer.as_asgi()),
]
