"""Domain errors: a code, a translated message a clerk understands, and its parameters.

Services raise them; each interface maps them in one place (DRF handler, form errors,
consumer error frames). STYLE.md §8.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    message: str | Promise = _("The request could not be carried out.")
    http_status = 409

    def __init__(self, message: str | Promise | None = None, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class NotPermitted(DomainError):
    code = "not_permitted"
    message = _("You are not permitted to do this.")
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    message = _("Not found.")
    http_status = 404
