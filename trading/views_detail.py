"""The listing page: one page for everyone who may see the listing, showing each reader only
what is theirs to know. Who signed up, and how many, is secret (TL Art. 22): staff and
supervisors see the sign-ups; a bidder sees its own; nobody else sees any trace of them,
not even in the history."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms as django_forms
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit import clock
from audit.models import Event
from trading import bid_selectors, lifecycle, rule_values
from trading.forms import (AdvanceForm, AnswerForm, ClarificationForm, DepositForm, DocumentForm, ObjectionForm,
                           OptionalReasonForm, PublishForm, QuestionForm, ReasonForm, ReplyForm, fen_to_decimal,
                           yuan)
from trading.models import Candidate, Deposit, Document, Listing, Lot, Objection, Registration, ResultReport, Status
from trading.rules import Rule
from trading.selectors import listing_history, listings_visible_to, questions_public, registrations_visible_to
from trading.services import procedure
from trading.signup import signup_open
from trading.views import visible_listing

PUBLICITY = (Status.PUBLICIZED, Status.RESULT_PUBLICIZED)
# Stages left by a plain staff step; the others end through their own service (results,
# award, contract) or by the clock.
MANUAL_STEPS = (Status.OPENING, Status.QUALIFICATION)

EVENT_LABELS = {
    "listing.drafted": gettext_lazy("Draft created"),
    "listing.updated": gettext_lazy("Draft changed"),
    "listing.document_added": gettext_lazy("Document added"),
    "listing.submitted": gettext_lazy("Submitted for publication"),
    "listing.returned": gettext_lazy("Returned to the agent"),
    "listing.published": gettext_lazy("Published"),
    "listing.advanced": gettext_lazy("Moved to the next stage"),
    "listing.deadline": gettext_lazy("Bid deadline reached"),
    "listing.suspended": gettext_lazy("Suspended"),
    "listing.resumed": gettext_lazy("Resumed"),
    "listing.failed": gettext_lazy("Failed"),
    "listing.cancelled": gettext_lazy("Cancelled"),
    "listing.clarified": gettext_lazy("Clarification published"),
    "listing.question_asked": gettext_lazy("Question received"),
    "listing.question_answered": gettext_lazy("Question answered"),
    "listing.candidates_recorded": gettext_lazy("Candidates recorded"),
    "listing.awarded": gettext_lazy("Awarded"),
    "listing.contract_signed": gettext_lazy("Contract signed"),
    "listing.overdue": gettext_lazy("Overdue"),
    "lot.failed": gettext_lazy("Lot failed"),
    "objection.raised": gettext_lazy("Objection raised"),
    "objection.replied": gettext_lazy("Objection answered"),
    "registration.created": gettext_lazy("Bidder signed up"),
    "registration.withdrawn": gettext_lazy("Bidder withdrew a sign-up"),
    "deposit.declared": gettext_lazy("Deposit declared"),
    "deposit.confirmed": gettext_lazy("Deposit confirmed"),
    "deposit.refunded": gettext_lazy("Deposit refunded"),
}


@dataclass
class DateRow:
    label: str
    when: datetime
    rule: str = ""
    lot: str = ""


@dataclass
class LotView:
    lot: Lot
    budget: str
    deposit: str
    report: ResultReport | None
    candidates: list[tuple[Candidate, str]]
    registration: Registration | None = None
    own_deposit: Deposit | None = None
    own_deposit_yuan: str = ""
    can_withdraw: bool = False
    deposit_form: django_forms.Form | None = None
    objection_form: django_forms.Form | None = None
    can_sign_up: bool = False
    can_record: bool = False


@dataclass
class HistoryRow:
    event: Event
    label: str
    actor: str = ""


# questions_public() defers listing_id, which its related manager then reads once per row.
PUBLIC_QUESTION_FIELDS = ("listing", "text", "answer", "answered_at", "asked_at")
BOUND_SHOWS = {"document": "upload", "clarification": "clarify", "question": "ask", "publish": "publish",
               "return": "publish",
               "suspend": "suspend", "resume": "resume", "fail": "fail", "cancel": "cancel"}
REASON_LABELS = {
    Status.FAILED: gettext_lazy("Reason for failure"),
    Status.CANCELLED: gettext_lazy("Reason for cancellation"),
    Status.SUSPENDED: gettext_lazy("Reason for suspension"),
    Status.DRAFT: gettext_lazy("Returned by the center"),
}


def _describe(rule: Rule | None, frozen: dict[str, int]) -> str:
    return rule_values.describe(rule, frozen) if rule is not None else ""


def _dates(listing: Listing, lots: list[Lot], frozen: dict[str, int]) -> list[DateRow]:
    proc = procedure(listing.kind, listing.method)
    rows = []
    if listing.published_at:
        rows.append(DateRow(_("Published"), listing.published_at))
    if listing.signup_opens_at:
        rows.append(DateRow(_("Sign-up opens"), listing.signup_opens_at))
    if listing.signup_closes_at:
        rows.append(DateRow(_("Sign-up closes"), listing.signup_closes_at, _describe(proc.signup_window, frozen)))
    rows.append(DateRow(_("Bid deadline (opening time)"), listing.deadline, _describe(proc.bidding_period, frozen)))
    if listing.bidding_ends_at:
        rows.append(DateRow(_("Bidding period ends"), listing.bidding_ends_at,
                            _describe(proc.extras[0] if proc.extras else None, frozen)))
    for lot in lots:
        report = getattr(lot, "report", None)
        if report is None:
            continue
        for label, when, rule in (
                (_("Publicity of the candidates ends"), report.publicity_ends_at, proc.publicity),
                (_("Awarded"), report.awarded_at, None),
                (_("Contract due"), report.contract_due_at, proc.contract),
                (_("Contract signed"), report.contract_signed_at, None)):
            if when:
                rows.append(DateRow(label, when, _describe(rule, frozen), lot.code if len(lots) > 1 else ""))
    return rows


def _history(listing: Listing, lots: list[Lot], *, sees_all: bool) -> list[HistoryRow]:
    events_list = listing_history(listing, lots, sees_all=sees_all)
    names: dict[str, str] = {}
    if sees_all:
        ids = {e.actor.split(":", 1)[1] for e in events_list if e.actor.startswith("user:")}
        names = {f"user:{u.pk}": u.display_name for u in User.objects.filter(pk__in=ids)}
    return [HistoryRow(e, str(EVENT_LABELS.get(e.kind, e.kind)),
                       names.get(e.actor, _("the platform") if e.actor == "system" else e.actor) if sees_all else "")
            for e in events_list]


def detail_context(request: HttpRequest, listing: Listing, bound: dict[str, django_forms.Form]) -> dict[str, Any]:
    user = request.user
    has = user.has_perm
    now = clock.now()
    status = Status(listing.status)
    frozen = listing.rules_in_force or rule_values.snapshot()
    proc = procedure(listing.kind, listing.method)
    lots = list(listing.lots.select_related("report").prefetch_related(
        Prefetch("candidates", queryset=Candidate.objects.select_related("organisation"))))
    registrations = list(registrations_visible_to(user, listing))
    sees_registrations = has("trading.view_registrations")
    is_bidder = user.is_authenticated and user.role == User.Role.BIDDER
    own = {r.lot_id: r for r in registrations} if is_bidder else {}
    can_sign_up = has("trading.sign_up") and signup_open(listing, now)
    can_record = has("trading.record_result") and status in (Status.EVALUATION, Status.DRAW, Status.RESULT)

    lot_views = []
    for lot in lots:
        report = getattr(lot, "report", None)
        registration = own.get(lot.pk)
        deposit = getattr(registration, "deposit", None) if registration else None
        view = LotView(lot=lot, budget=yuan(lot.budget_fen), deposit=yuan(lot.deposit_fen), report=report,
                       candidates=[(c, yuan(c.price_fen)) for c in lot.candidates.all()] if report else [],
                       registration=registration, own_deposit=deposit,
                       own_deposit_yuan=yuan(deposit.amount_fen) if deposit else "",
                       can_sign_up=can_sign_up and registration is None and lot.status == Lot.LotStatus.ACTIVE,
                       can_record=can_record and report is None and lot.status == Lot.LotStatus.ACTIVE)
        active = registration is not None and registration.status != Registration.RegistrationStatus.WITHDRAWN
        view.can_withdraw = active and signup_open(listing, now)
        if registration is not None and f"deposit:{registration.pk}" in bound:
            view.deposit_form = bound[f"deposit:{registration.pk}"]
        elif active and status in lifecycle.SIGN_UP_OPEN and now < listing.deadline:
            view.deposit_form = DepositForm(
                prefix=f"deposit{registration.pk}",
                initial={"amount_fen": fen_to_decimal(lot.deposit_fen)} if lot.deposit_fen else None)
        if f"objection:{lot.pk}" in bound:
            view.objection_form = bound[f"objection:{lot.pk}"]
        elif (active and report is not None and status in PUBLICITY
                and (report.publicity_ends_at is None or now < report.publicity_ends_at)):
            view.objection_form = ObjectionForm(prefix=f"objection{lot.pk}")
        lot_views.append(view)

    objections: list[tuple[Objection, django_forms.Form | None]] = []
    can_reply = has("trading.reply_objection", listing)
    if can_reply or is_bidder:
        query = Objection.objects.filter(lot__listing=listing).select_related("lot", "raised_by").order_by("raised_at")
        if not can_reply:
            query = query.filter(raised_by_id=user.organisation_id)
        objections = [(o, (bound.get(f"reply:{o.pk}") or ReplyForm(prefix=f"reply{o.pk}"))
                       if can_reply and o.replied_at is None else None) for o in query]

    can_answer = has("trading.answer_question", listing)
    unanswered = []
    if can_answer:
        unanswered = [(q, bound.get(f"answer:{q.pk}") or AnswerForm(prefix=f"answer{q.pk}"))
                      for q in listing.questions.filter(answer="").only("listing", "text", "asked_at")]

    manage = has("trading.manage_listing")
    # Inspectors read the whole record anyway; the others' history leaves out the sign-ups, and
    # its sequence numbers, whose gaps would count them.
    sees_all = sees_registrations or has("audit.browse")
    is_draft_owner = status == Status.DRAFT and has("trading.edit_listing", listing)
    can = {
        "edit": is_draft_owner,
        "upload": (has("trading.edit_listing", listing) or manage)
        and status not in (Status.ARCHIVED, Status.CANCELLED, Status.FAILED),
        "clarify": has("trading.clarify_listing", listing) and status in lifecycle.SIGN_UP_OPEN,
        "ask": has("trading.ask_question") and status in lifecycle.SIGN_UP_OPEN,
        "publish": has("trading.publish_listing") and status == Status.SUBMITTED,
        "suspend": manage and status in lifecycle.SUSPENDABLE,
        "resume": manage and status == Status.SUSPENDED,
        "fail": manage and status in lifecycle.FAILABLE,
        "cancel": (manage or is_draft_owner) and status in lifecycle.CANCELLABLE,
        "advance": manage and status in MANUAL_STEPS,
        "archive": manage and status == Status.CONTRACT_SIGNED,
        "award": has("trading.record_result") and status in PUBLICITY,
        "contract": has("trading.record_result") and status in (Status.AWARDED, Status.RESULT),
        "confirm_deposit": has("trading.confirm_deposit"),
        "qualify": has("trading.manage_listing") and status == Status.QUALIFICATION,
        "history": has("trading.view_history", listing),
    }
    # A refused form comes back with what was typed even where the page would no longer offer it.
    for key, flag in BOUND_SHOWS.items():
        can[flag] = can[flag] or key in bound
    next_step = lifecycle.next_stage(listing.kind, listing.method, status) if can["advance"] else None

    def form(key: str, form_class: type[django_forms.Form], **kwargs: Any) -> django_forms.Form:
        return bound.get(key) or form_class(**kwargs)

    return {
        "listing": listing, "status": status, "lots": lot_views, "multi_lot": len(lots) > 1,
        "reason_label": REASON_LABELS.get(status, "") if listing.status_reason else "",
        "budget": yuan(listing.budget_fen), "dates": _dates(listing, lots, frozen),
        "documents": listing.documents.all(), "clarifications": listing.clarifications.all(),
        "questions": questions_public(listing).only(*PUBLIC_QUESTION_FIELDS), "unanswered": unanswered,
        "objections": objections, "declarations": bid_selectors.declarations(listing),
        "objection_reply_rule": _describe(proc.objection_reply, frozen),
        "refund_rule": _describe(proc.deposit_refund, frozen),
        "registrations": [(r, yuan(r.deposit.amount_fen) if hasattr(r, "deposit") else "") for r in registrations]
        if sees_registrations else [],
        "sees_registrations": sees_registrations, "is_bidder": is_bidder,
        "not_verified": is_bidder and not has("trading.sign_up") and status in lifecycle.SIGN_UP_OPEN,
        "can": can, "next_step": Status(next_step).label if next_step else "",
        "history": _history(listing, lots, sees_all=sees_all) if can["history"] else [],
        "history_actors": sees_all,
        "document_form": form("document", DocumentForm),
        "clarification_form": form("clarification", ClarificationForm),
        "question_form": form("question", QuestionForm),
        "publish_form": form("publish", PublishForm, prefix="publish"),
        "return_form": form("return", ReasonForm, prefix="return"),
        "suspend_form": form("suspend", ReasonForm, prefix="suspend"),
        "resume_form": form("resume", OptionalReasonForm, prefix="resume"),
        "fail_form": form("fail", ReasonForm, prefix="fail"),
        "cancel_form": form("cancel", ReasonForm, prefix="cancel"),
        "advance_form": AdvanceForm(initial={"to": next_step}) if next_step else None,
    }


def render_detail(request: HttpRequest, listing: Listing, bound: dict[str, django_forms.Form] | None = None,
                  status: int = 200) -> HttpResponse:
    return render(request, "trading/listing_detail.html", detail_context(request, listing, bound or {}),
                  status=status)


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, visible_listing(request, pk))


def document_download(request: HttpRequest, pk: int) -> FileResponse:
    # Downloads need no sign-up and are not recorded per reader (EB: downloaders stay secret).
    document = get_object_or_404(Document, pk=pk, listing__in=listings_visible_to(request.user))
    return FileResponse(document.file.open("rb"), as_attachment=True,
                        filename=os.path.basename(document.file.name))
