from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordingConfig(AppConfig):
    name = "recording"
    verbose_name = _("Recordings")

    def ready(self) -> None:
        from recording import permissions  # noqa: F401  (registration side effects)
