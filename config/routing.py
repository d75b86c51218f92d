from django.urls import path

from audit.consumers import ClockConsumer
from bidroom.consumers import CameraConsumer
from experts.consumers import DrawConsumer
from trading.consumers import OpeningConsumer

websocket_urlpatterns = [
    path("ws/clock/", ClockConsumer.as_asgi()),
    path("ws/rooms/<int:room>/cameras/<str:camera>/", CameraConsumer.as_asgi()),
    path("ws/draws/<int:pk>/", DrawConsumer.as_asgi()),
    path("ws/openings/<int:pk>/", OpeningConsumer.as_asgi()),
]
