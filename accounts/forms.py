"""Shapes at the boundary; domain rules stay in accounts.services."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User, validate_credit_code


class RegistrationForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code"), min_length=18, max_length=18,
                                  help_text=_("18 characters, as printed on the business licence."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    first_name = forms.CharField(label=_("Contact person"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("Letters, digits and @/./+/-/_ only."),
                               validators=[User.username_validator])
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput,
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(code)
        if Organisation.objects.filter(credit_code=code).exists():
            raise forms.ValidationError(_("An organisation with this unified social credit code is already "
                                          "registered."), code="duplicate")
        return code

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken. Please choose another."), code="duplicate")
        return username

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(username=data.get("username", ""), email=data.get("email", ""),
                         first_name=data.get("first_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as e:
                self.add_error("password1", e)
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AccountCreateForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[
        (r.value, r.label) for r in User.Role if r != User.Role.BIDDER])
    username = forms.CharField(label=_("User name"), max_length=150, validators=[User.username_validator])
    first_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    organisation = forms.ModelChoiceField(label=_("Organisation"), required=False,
                                          queryset=Organisation.objects.filter(status=Organisation.Status.VERIFIED))

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken. Please choose another."), code="duplicate")
        return username

