from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidroomConfig(AppConfig):
    name = "bidroom"
    verbose_name = _("Bid rooms")

    def ready(self) -> None:
        from bidroom import permissions  # noqa: F401  (registers the predicates)
