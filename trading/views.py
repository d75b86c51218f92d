"""Shared pieces of the trading pages (views_*.py): finding what the user may see, and the
early permission check. Anything outside `listings_visible_to` is a 404, never a 403."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from trading.models import Listing
from trading.selectors import listings_visible_to


def visible_listing(request: HttpRequest, pk: int) -> Listing:
    return get_object_or_404(listings_visible_to(request.user), pk=pk)


def require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    """The service checks again; this answers early and politely."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
