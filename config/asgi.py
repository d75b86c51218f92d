"""HTTP and WebSocket routing. WebSocket routes come from each app's routing module."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config import realtime  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

realtime.IN_ASGI_SERVER = True

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    # Origin check: otherwise any site could open sockets with a user's cookies.
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
})
