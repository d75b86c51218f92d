from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class ClockBackwards(DomainError):
    code = "clock_backwards"
    message = _("The platform clock only moves forward. It now reads %(now)s; choose a later time.")
