"""The public portal (公开为常态): notices with search and filters, and an Atom feed.

Anonymous, fast (indexed filters, related rows in the same query), and it never shows what
the rules keep secret: who signed up, how many, or a reserve price.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from trading.models import Kind, Listing, Lot, Method, Status
from trading.selectors import UNPUBLISHED

PUBLIC_STATUSES = [(s.value, s.label) for s in Status if s not in UNPUBLISHED]
PAGE_SIZE = 20


class NoticeSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", _("All methods")), *Method.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All stages")), *PUBLIC_STATUSES])
    region = forms.CharField(label=_("Region"), required=False, max_length=64)
    budget_min = forms.DecimalField(label=_("Budget from (yuan)"), required=False, min_value=0, max_digits=14,
                                    decimal_places=2)
    budget_max = forms.DecimalField(label=_("Budget to (yuan)"), required=False, min_value=0, max_digits=14,
                                    decimal_places=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("The budget range runs backwards: “from” is larger than “to”."))
        return data


def notices(filters: dict[str, Any]) -> QuerySet[Listing]:
    """Published listings matching the filters, newest first, with what the list shows."""
    listings = Listing.objects.exclude(status__in=UNPUBLISHED).select_related("tenderer").order_by("-published_at", "-pk")
    if filters.get("q"):
        listings = listings.filter(search_text__contains=filters["q"].strip().lower())
    for name in ("kind", "method", "status"):
        if filters.get(name):
            listings = listings.filter(**{name: filters[name]})
    if filters.get("region"):
        listings = listings.filter(region__icontains=filters["region"])
    if filters.get("budget_min") is not None:
        listings = listings.filter(budget_fen__gte=int(filters["budget_min"] * 100))
    if filters.get("budget_max") is not None:
        listings = listings.filter(budget_fen__lte=int(filters["budget_max"] * 100))
    return listings


def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    listings = notices(filters) if not form.is_bound or form.is_valid() else Listing.objects.none()
    page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
    # Lot counts for this page only: counting lots across every match would group them all.
    counts = dict(Lot.objects.filter(listing__in=[item.pk for item in page]).values("listing")
                  .annotate(n=Count("pk")).values_list("listing", "n"))
    # Labels once per page: get_FOO_display re-flattens and hashes the lazy choices each call.
    kinds, methods, statuses = ({value: str(label) for value, label in enum.choices} for enum in (Kind, Method, Status))
    for item in page:
        item.lot_count = counts.get(item.pk, 0)
        item.kind_label, item.method_label = kinds[item.kind], methods[item.method]
        item.status_label = statuses[item.status]
        item.budget_yuan = f"{item.budget_fen / 100:,.0f}"
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal/notices.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "selects": [form["kind"], form["method"], form["status"]], "amounts": [form["budget_min"], form["budget_max"]]})


class NoticeFeed(Feed):
    feed_type = Atom1Feed
    title = _("Sunbid notices")
    subtitle = _("Tender notices, amendments and results of the trading center")

    def link(self) -> str:
        return reverse("portal:notices")

    def items(self) -> QuerySet[Listing]:
        return Listing.objects.exclude(status__in=UNPUBLISHED).select_related("tenderer").order_by("-updated_at")[:50]

    def item_title(self, item: Listing) -> str:
        return f"[{item.get_status_display()}] {item.code} {item.title}"

    def item_description(self, item: Listing) -> str:
        parts = [item.get_kind_display(), item.get_method_display(), item.tenderer.name]
        if item.status == Status.FAILED and item.status_reason:
            parts.append(str(_("Reason: %(reason)s") % {"reason": item.status_reason}))
        return " · ".join(str(p) for p in parts)

    def item_link(self, item: Listing) -> str:
        return reverse("trading:listing_detail", args=[item.pk])

    def item_pubdate(self, item: Listing) -> Any:
        return item.published_at

    def item_updateddate(self, item: Listing) -> Any:
        return item.updated_at
