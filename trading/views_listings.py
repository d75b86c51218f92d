"""Lists of listings, and the agent's draft form with its lots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import DomainError
from trading import services
from trading.forms import ListingForm, LotFormSet, PublishForm, fen_to_decimal
from trading.models import Listing, Status
from trading.selectors import listings_of_agent, listings_to_publish, listings_visible_to
from trading.services import ListingInput, LotInput
from trading.views import require, visible_listing

PAGE_SIZE = 20


@login_required
def listing_index(request: HttpRequest) -> HttpResponse:
    listings = listings_visible_to(request.user).order_by(F("published_at").desc(nulls_last=True), "-created_at")
    page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trading/listing_index.html", {"page": page})


@login_required
def my_listings(request: HttpRequest) -> HttpResponse:
    require(request, "trading.draft_listing")
    return render(request, "trading/my_listings.html",
                  {"listings": listings_of_agent(request.user).select_related("tenderer")})


@login_required
def to_publish(request: HttpRequest) -> HttpResponse:
    require(request, "trading.publish_listing")
    return render(request, "trading/to_publish.html",
                  {"listings": listings_to_publish(), "publish_form": PublishForm(prefix="publish", auto_id=False)})


def _listing_input(form: ListingForm, lots: LotFormSet) -> ListingInput:
    data = form.cleaned_data
    return ListingInput(
        title=data["title"], kind=data["kind"], method=data["method"], tenderer=data["tenderer"],
        budget_fen=data["budget_fen"], deadline=data["deadline"], region=data["region"],
        description=data["description"], signup_opens_at=data["signup_opens_at"],
        signup_closes_at=data["signup_closes_at"], bidding_ends_at=data["bidding_ends_at"],
        lots=[LotInput(title=lot["title"], budget_fen=lot["budget_fen"], deposit_fen=lot["deposit_fen"] or 0)
              for lot in lots.cleaned_data if lot and not lot.get("DELETE")])


def _initial(listing: Listing) -> tuple[dict, list[dict]]:
    def local(moment):  # type: ignore[no-untyped-def]
        return timezone.localtime(moment) if moment else None

    listing_initial = {
        "kind": listing.kind, "method": listing.method, "title": listing.title, "region": listing.region,
        "description": listing.description, "tenderer": listing.tenderer_id,
        "budget_fen": fen_to_decimal(listing.budget_fen), "deadline": local(listing.deadline),
        "signup_opens_at": local(listing.signup_opens_at), "signup_closes_at": local(listing.signup_closes_at),
        "bidding_ends_at": local(listing.bidding_ends_at)}
    lots_initial = [{"title": lot.title, "budget_fen": fen_to_decimal(lot.budget_fen),
                     "deposit_fen": fen_to_decimal(lot.deposit_fen)} for lot in listing.lots.all()]
    return listing_initial, lots_initial


@login_required
def listing_create(request: HttpRequest) -> HttpResponse:
    require(request, "trading.draft_listing")
    form = ListingForm(request.POST or None)
    lots = LotFormSet(request.POST or None, prefix="lots")
    if request.method == "POST" and form.is_valid() and lots.is_valid():
        try:
            listing = services.listing_create(by=request.user, data=_listing_input(form, lots))
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Draft %(code)s saved. Add its documents, then submit it for publication.")
                             % {"code": listing.code})
            return redirect("trading:listing_detail", pk=listing.pk)
    return render(request, "trading/listing_form.html", {"form": form, "lots": lots, "listing": None})


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.edit_listing", listing)
    if request.method == "POST":
        form, lots = ListingForm(request.POST), LotFormSet(request.POST, prefix="lots")
        if form.is_valid() and lots.is_valid():
            try:
                services.listing_update(listing=listing, by=request.user, data=_listing_input(form, lots))
            except DomainError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Draft %(code)s saved.") % {"code": listing.code})
                return redirect("trading:listing_detail", pk=listing.pk)
    else:
        listing_initial, lots_initial = _initial(listing)
        form, lots = ListingForm(initial=listing_initial), LotFormSet(initial=lots_initial, prefix="lots")
        if listing.status != Status.DRAFT:
            messages.error(request, _("Only a draft can be edited; this listing is “%(status)s”.")
                           % {"status": listing.get_status_display()})
    return render(request, "trading/listing_form.html", {"form": form, "lots": lots, "listing": listing})
