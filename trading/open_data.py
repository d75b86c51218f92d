"""Open data at stable URLs: each published listing's OCDS release package, and the whole set."""

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from trading import ocds
from trading.models import Listing, Release


def listing_package(request: HttpRequest, code: str) -> JsonResponse:
    listing = get_object_or_404(Listing, code=code)
    if listing.published_at is None:
        raise Http404
    return JsonResponse(ocds.listing_package(listing, uri=request.build_absolute_uri()),
                        json_dumps_params={"ensure_ascii": False})


def all_releases(request: HttpRequest) -> JsonResponse:
    releases = [r.data for r in Release.objects.filter(listing__published_at__isnull=False).order_by("date", "pk")]
    return JsonResponse(ocds.package(releases, uri=request.build_absolute_uri()), json_dumps_params={"ensure_ascii": False})
