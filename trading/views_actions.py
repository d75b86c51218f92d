"""The listing page's actions: each parses its form, calls one service and goes back to the
page. A refused form comes back with what was typed and the service's reason; a refused
button says why in a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from config.errors import DomainError
from trading import results, services, signup
from trading.forms import (AdvanceForm, AnswerForm, ClarificationForm, DepositForm, DocumentForm, ObjectionForm,
                           OptionalReasonForm, PublishForm, QuestionForm, ReasonForm, ReplyForm)
from trading.models import Clarification, Deposit, Listing, Lot, Objection, Question, Registration
from trading.selectors import listings_visible_to, registrations_visible_to
from trading.views import require, visible_listing
from trading.views_detail import render_detail


def _back(request: HttpRequest, listing: Listing) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("trading:listing_detail", pk=listing.pk)


def _button(request: HttpRequest, listing: Listing, call: Callable[[], Any], success: str) -> HttpResponse:
    try:
        call()
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, success)
    return _back(request, listing)


def _with_form(request: HttpRequest, listing: Listing, key: str, form: forms.Form,
               call: Callable[[dict[str, Any]], Any], success: str | Callable[[Any], str]) -> HttpResponse:
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, success(result) if callable(success) else success)
            return _back(request, listing)
    return render_detail(request, listing, {key: form})


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# The agent -------------------------------------------------------------------------------

@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    if not (request.user.has_perm("trading.edit_listing", listing) or request.user.has_perm("trading.manage_listing")):
        raise PermissionDenied
    return _with_form(request, listing, "document", DocumentForm(request.POST, request.FILES),
                      lambda d: services.document_add(listing=listing, by=request.user, title=d["title"],
                                                      upload=d["file"]),
                      lambda doc: _("%(title)s uploaded.") % {"title": doc.title})


@login_required
@require_POST
def listing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.edit_listing", listing)
    return _button(request, listing, lambda: services.listing_submit(listing=listing, by=request.user),
                   _("Submitted: center staff will check and publish it."))


def _clarified(clarification: Clarification) -> str:
    if clarification.new_deadline != clarification.old_deadline:
        return _("Clarification published. The deadline moved from %(old)s to %(new)s; every registrant is told.") % {
            "old": _when(clarification.old_deadline), "new": _when(clarification.new_deadline)}
    return _("Clarification published; every registrant is told. The deadline is unchanged.")


@login_required
@require_POST
def clarification_publish(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.clarify_listing", listing)
    return _with_form(request, listing, "clarification", ClarificationForm(request.POST),
                      lambda d: services.clarification_publish(listing=listing, by=request.user, text=d["text"],
                                                               affects_bids=d["affects_bids"]),
                      _clarified)


@login_required
@require_POST
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("listing"), pk=pk,
                                 listing__in=listings_visible_to(request.user))
    listing = question.listing
    require(request, "trading.answer_question", listing)
    form = AnswerForm(request.POST, prefix=f"answer{question.pk}")
    return _with_form(request, listing, f"answer:{question.pk}", form,
                      lambda d: services.question_answer(question=question, by=request.user, answer=d["answer"]),
                      _("Answer published to everyone, without naming who asked."))


@login_required
@require_POST
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.ask_question")
    return _with_form(request, listing, "question", QuestionForm(request.POST),
                      lambda d: services.question_ask(listing=listing, by=request.user, text=d["text"]),
                      _("Question sent. The answer will be published here without your name."))


# Center staff ----------------------------------------------------------------------------

@login_required
@require_POST
def listing_publish(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.publish_listing")
    return _with_form(request, listing, "publish", PublishForm(request.POST, prefix="publish"),
                      lambda d: services.listing_publish(listing=listing, by=request.user, supervisor=d["supervisor"]),
                      _("%(code)s is published.") % {"code": listing.code})


@login_required
@require_POST
def listing_return(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.publish_listing")
    return _with_form(request, listing, "return", ReasonForm(request.POST, prefix="return"),
                      lambda d: services.listing_return(listing=listing, by=request.user, reason=d["reason"]),
                      _("%(code)s was returned to the agent with your reason.") % {"code": listing.code})


def _set_aside(request: HttpRequest, pk: int, key: str, service: Callable[..., Listing], success: str) -> HttpResponse:
    listing = visible_listing(request, pk)
    if key == "cancel":  # the agent may cancel its own draft too; the service says when
        if not (request.user.has_perm("trading.manage_listing")
                or request.user.has_perm("trading.edit_listing", listing)):
            raise PermissionDenied
    else:
        require(request, "trading.manage_listing")
    form_class = OptionalReasonForm if key == "resume" else ReasonForm
    return _with_form(request, listing, key, form_class(request.POST, prefix=key),
                      lambda d: service(listing=listing, by=request.user, reason=d["reason"]),
                      success % {"code": listing.code})


@login_required
@require_POST
def listing_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_aside(request, pk, "suspend", services.listing_suspend,
                      _("%(code)s is suspended; registrants are told the reason."))


@login_required
@require_POST
def listing_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_aside(request, pk, "resume", services.listing_resume, _("%(code)s is resumed."))


@login_required
@require_POST
def listing_fail(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_aside(request, pk, "fail", services.listing_fail,
                      _("%(code)s is declared failed; the reason is published."))


@login_required
@require_POST
def listing_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_aside(request, pk, "cancel", services.listing_cancel,
                      _("%(code)s is cancelled; the reason is published."))


@login_required
@require_POST
def listing_advance(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.manage_listing")
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the stage to move to."))
        return _back(request, listing)
    to = form.cleaned_data["to"]
    return _button(request, listing, lambda: services.listing_advance(listing=listing, by=request.user, to=to),
                   _("%(code)s moved on.") % {"code": listing.code})


@login_required
@require_POST
def listing_archive(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.manage_listing")
    return _button(request, listing, lambda: results.listing_archive(listing=listing, by=request.user),
                   _("%(code)s is archived.") % {"code": listing.code})


@login_required
@require_POST
def listing_award(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.record_result")
    return _button(request, listing, lambda: results.listing_award(listing=listing, by=request.user),
                   _("Award notices sent to the winner and every other bidder."))


@login_required
@require_POST
def contract_signed(request: HttpRequest, pk: int) -> HttpResponse:
    listing = visible_listing(request, pk)
    require(request, "trading.record_result")
    return _button(request, listing, lambda: results.contract_signed(listing=listing, by=request.user),
                   _("Contract recorded as signed; the deposit refund clock has started."))


def _visible_registration(request: HttpRequest, pk: int) -> Registration:
    registration = get_object_or_404(Registration.objects.select_related("lot__listing"), pk=pk)
    if not registrations_visible_to(request.user, registration.lot.listing).filter(pk=pk).exists():
        raise Http404
    return registration


@login_required
@require_POST
def registration_qualify(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _visible_registration(request, pk)
    require(request, "trading.manage_listing")
    qualified = request.POST.get("decision") == "qualified"
    return _button(request, registration.lot.listing,
                   lambda: signup.registration_qualify(registration=registration, by=request.user, qualified=qualified,
                                                       reason=request.POST.get("reason", "")),
                   _("Qualification recorded."))


@login_required
@require_POST
def deposit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = get_object_or_404(Deposit, pk=pk)
    listing = _visible_registration(request, deposit.registration_id).lot.listing
    require(request, "trading.confirm_deposit")
    return _button(request, listing, lambda: signup.deposit_confirm(deposit=deposit, by=request.user),
                   _("Deposit confirmed."))


@login_required
@require_POST
def deposit_refunded(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = get_object_or_404(Deposit, pk=pk)
    listing = _visible_registration(request, deposit.registration_id).lot.listing
    require(request, "trading.confirm_deposit")
    return _button(request, listing, lambda: signup.deposit_refunded(deposit=deposit, by=request.user),
                   _("Deposit marked as refunded."))


@login_required
@require_POST
def objection_reply(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection.objects.select_related("lot__listing"), pk=pk,
                                  lot__listing__in=listings_visible_to(request.user))
    listing = objection.lot.listing
    require(request, "trading.reply_objection", listing)
    form = ReplyForm(request.POST, prefix=f"reply{objection.pk}")
    return _with_form(request, listing, f"reply:{objection.pk}", form,
                      lambda d: results.objection_reply(objection=objection, by=request.user, reply=d["reply"]),
                      _("Reply sent to the organisation that objected."))


# Bidders ---------------------------------------------------------------------------------

def _visible_lot(request: HttpRequest, pk: int) -> Lot:
    return get_object_or_404(Lot.objects.select_related("listing"), pk=pk,
                             listing__in=listings_visible_to(request.user))


@login_required
@require_POST
def registration_create(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _visible_lot(request, pk)
    if request.user.role != User.Role.BIDDER:  # unverified bidders hear why from the service
        raise PermissionDenied
    return _button(request, lot.listing, lambda: signup.registration_create(lot=lot, by=request.user),
                   _("Signed up for %(lot)s. Only your organisation and the center see this sign-up.")
                   % {"lot": lot.code})


@login_required
@require_POST
def registration_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _visible_registration(request, pk)
    return _button(request, registration.lot.listing,
                   lambda: signup.registration_withdraw(registration=registration, by=request.user),
                   _("Sign-up withdrawn."))


@login_required
@require_POST
def deposit_declare(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _visible_registration(request, pk)
    if registration.organisation_id != request.user.organisation_id:
        raise PermissionDenied
    return _with_form(request, registration.lot.listing, f"deposit:{registration.pk}",
                      DepositForm(request.POST, prefix=f"deposit{registration.pk}"),
                      lambda d: signup.deposit_declare(registration=registration, by=request.user,
                                                       amount_fen=d["amount_fen"], reference=d["reference"]),
                      _("Deposit declared; center staff will confirm it when the payment arrives."))


@login_required
@require_POST
def objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _visible_lot(request, pk)
    require(request, "trading.raise_objection")
    form = ObjectionForm(request.POST, prefix=f"objection{lot.pk}")
    return _with_form(request, lot.listing, f"objection:{lot.pk}", form,
                      lambda d: results.objection_raise(lot=lot, by=request.user, text=d["text"]),
                      _("Objection sent. The reply is due within the statutory time and will reach your inbox."))
