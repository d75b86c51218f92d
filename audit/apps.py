from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Full-process record")

    def ready(self) -> None:
        from audit import checks, permissions  # noqa: F401  (registration side effects)
