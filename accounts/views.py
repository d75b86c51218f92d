"""Thin interfaces: parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import AccountCreateForm, RegistrationForm, RejectForm
from accounts.models import Organisation, User
from config.errors import DomainError


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.registration_submit(
                organisation_name=data["organisation_name"], credit_code=data["credit_code"],
                address=data["address"], username=data["username"], email=data["email"],
                first_name=data["first_name"], phone=data["phone"], password=data["password1"])
        except (DomainError, ValidationError) as e:
            form.add_error(None, e if isinstance(e, ValidationError) else str(e))
        else:
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html")


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    _require(request, "accounts.verify_registration")
    return render(request, "accounts/verification_queue.html",
                  {"pending": selectors.registrations_pending(), "reject_form": RejectForm()})


@login_required
@require_POST
def registration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.verify_registration")
    organisation = get_object_or_404(Organisation, pk=pk)
    try:
        if request.POST.get("decision") == "verify":
            services.registration_verify(organisation=organisation, by=request.user)
            messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
        else:
            form = RejectForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.registration_reject(organisation=organisation, by=request.user, reason=reason)
            messages.success(request, _("%(name)s is rejected.") % {"name": organisation.name})
    except DomainError as e:
        messages.error(request, str(e))
    return redirect("accounts:verification_queue")


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    _require(request, "accounts.manage_accounts")
    form = AccountCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_create(by=request.user, role=data["role"], username=data["username"],
                                           email=data["email"], first_name=data["first_name"],
                                           phone=data["phone"], organisation=data["organisation"])
        except (DomainError, ValidationError) as e:
            form.add_error(None, e if isinstance(e, ValidationError) else str(e))
        else:
            _send_password_setup(request, user)
            messages.success(request, _("Account %(username)s created; a link to set the password was e-mailed "
                                        "to %(email)s.") % {"username": user.username, "email": user.email})
            return redirect("accounts:account_list")
    return render(request, "accounts/account_list.html",
                  {"users": selectors.users_visible_to(request.user), "form": form})


def _send_password_setup(request: HttpRequest, user: User) -> None:
    reset = PasswordResetForm({"email": user.email})
    if reset.is_valid():
        reset.save(request=request, use_https=request.is_secure(),
                   email_template_name="accounts/password_reset_email.txt")


@login_required
@require_POST
def account_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.manage_accounts")
    user = get_object_or_404(User, pk=pk)
    try:
        services.account_set_active(user=user, by=request.user, active=request.POST.get("active") == "1")
    except DomainError as e:
        messages.error(request, str(e))
    return redirect("accounts:account_list")
