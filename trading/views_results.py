"""Staff record a lot's ranked candidates (or its draw/auction result) from the committee's report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from config.errors import DomainError
from trading import results
from trading.forms import CandidatesForm
from trading.models import Lot, Registration
from trading.results import Ranked
from trading.selectors import listings_visible_to, registrations_visible_to
from trading.views import require


@login_required
def candidates_record(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(Lot.objects.select_related("listing"), pk=pk, listing__in=listings_visible_to(request.user))
    require(request, "trading.record_result")
    signed_up = (registrations_visible_to(request.user, lot.listing).filter(lot=lot)
                 .exclude(status=Registration.RegistrationStatus.WITHDRAWN).values("organisation_id"))
    form = CandidatesForm(request.POST or None, request.FILES or None,
                          registrants=Organisation.objects.filter(pk__in=signed_up))
    if request.method == "POST" and form.is_valid():
        try:
            report = results.candidates_record(
                lot=lot, by=request.user, report=form.cleaned_data["report"],
                ranked=[Ranked(organisation=o, price_fen=p) for o, p in form.cleaned_data["ranked"]])
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            ends = timezone.localtime(report.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
            messages.success(request, _("Candidates of %(lot)s recorded and publicized until %(ends)s.")
                             % {"lot": lot.code, "ends": ends})
            return redirect("trading:listing_detail", pk=lot.listing_id)
    return render(request, "trading/candidates_form.html", {"lot": lot, "listing": lot.listing, "form": form})
