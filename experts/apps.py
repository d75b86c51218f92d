from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = _("Experts and draws")

    def ready(self) -> None:
        from experts import permissions  # noqa: F401  (registers the predicates)
