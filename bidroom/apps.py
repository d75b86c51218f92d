from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidroomConfig(AppConfig):
    name = "bidroom"
    verbose_name = _("Bid rooms")
