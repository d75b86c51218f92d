"""The personal key page: register a key made in this browser, see and test one's keys."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts import keys
from accounts.models import PublicKey
from config.errors import DomainError


class KeyForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Key"), choices=PublicKey.Purpose.choices)
    public_key = forms.CharField(label=_("Public key (hex)"), max_length=130, min_length=64)


@login_required
def key_page(request: HttpRequest) -> HttpResponse:
    form = KeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            row = keys.key_register(by=request.user, purpose=form.cleaned_data["purpose"],
                                    public_key_hex=form.cleaned_data["public_key"])
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Key registered; fingerprint %(fp)s. Keep your key file and passphrase "
                                        "safe: nobody, not even the center, can recover them.")
                             % {"fp": row.fingerprint})
            return redirect("accounts:keys")
    allowed = sorted(keys.ALLOWED.get(request.user.role, set()))
    return render(request, "accounts/keys.html", {
        "form": form, "keys": keys.keys_of(request.user),
        "purposes": [(p, PublicKey.Purpose(p).label) for p in allowed]})


@login_required
def my_keys(request: HttpRequest) -> JsonResponse:
    """The caller's registered keys, for the page that tests a key file against them."""
    return JsonResponse({"keys": [
        {"purpose": k.purpose, "public_key": k.public_key, "fingerprint": k.fingerprint,
         "registered_at": k.registered_at.isoformat(), "current": k.replaced_at is None}
        for k in keys.keys_of(request.user)]})
