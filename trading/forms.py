"""Shapes at the boundary: amounts in yuan become fen, times are Beijing time. Domain rules
(schedules, caps, stages) stay in the services, which name their articles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from trading.models import Kind, Method, Status
from trading.rules import ALL_RULES

DATETIME_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class BeijingDateTimeField(forms.DateTimeField):
    """A datetime-local input read in the current time zone, Asia/Shanghai."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_LOCAL)
        super().__init__(**kwargs)


class YuanField(forms.DecimalField):
    """An amount typed in yuan, cleaned to whole fen; a fraction of a fen is refused, not rounded."""

    default_error_messages = {
        "max_decimal_places": _("Give the amount in yuan with at most two decimal places (fen)."),
        "min_value": _("The amount must be at least %(limit_value)s yuan."),
    }

    def __init__(self, *, minimum: str = "0.01", **kwargs: Any) -> None:
        super().__init__(max_digits=16, decimal_places=2, min_value=Decimal(minimum), **kwargs)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


def yuan(fen: int | None) -> str:
    """12345 → "123.45"; whole yuan without decimals."""
    if fen is None:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"


def fen_to_decimal(fen: int) -> Decimal:
    return Decimal(fen) / 100


class ListingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    region = forms.CharField(label=_("Region"), max_length=64, required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    tenderer = forms.ModelChoiceField(label=_("Tenderer"),
                                      queryset=Organisation.objects.filter(status=Organisation.Status.VERIFIED))
    budget_fen = YuanField(label=_("Budget or ceiling (yuan)"))
    deadline = BeijingDateTimeField(label=_("Bid deadline (opening time)"),
                                    help_text=_("Beijing time. It must be a working day and leave the statutory "
                                                "bidding period."))
    signup_opens_at = BeijingDateTimeField(label=_("Sign-up opens"), required=False,
                                           help_text=_("Empty: when the listing is published."))
    signup_closes_at = BeijingDateTimeField(label=_("Sign-up closes"), required=False,
                                            help_text=_("Empty: when the statutory minimum window ends."))
    bidding_ends_at = BeijingDateTimeField(label=_("Bidding period ends"), required=False,
                                           help_text=_("Land listing sales only."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens, closes = data.get("signup_opens_at"), data.get("signup_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("signup_closes_at", _("Sign-up must close after it opens."))
        return data


class LotForm(forms.Form):
    title = forms.CharField(label=_("Lot title"), max_length=200)
    budget_fen = YuanField(label=_("Lot budget (yuan)"))
    deposit_fen = YuanField(label=_("Deposit (yuan)"), minimum="0", required=False)


LotFormSet = forms.formset_factory(LotForm, extra=1, min_num=1, validate_min=True, max_num=20, validate_max=True,
                                   can_delete=True)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=200)
    file = forms.FileField(label=_("File"))


class ClarificationForm(forms.Form):
    text = forms.CharField(label=_("Clarification or amendment"), widget=forms.Textarea(attrs={"rows": 4}))
    affects_bids = forms.BooleanField(label=_("May affect bids (a late one moves the deadline)"), required=False,
                                      initial=True)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("The answer is published to everyone without naming who asked."))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Published with the decision."))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=4000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.display_name


class PublishForm(forms.Form):
    supervisor = PersonChoiceField(
        label=_("Supervisor"), required=False,
        queryset=User.objects.filter(role=User.Role.SUPERVISOR, is_active=True).order_by("first_name", "username"),
        help_text=_("Watches every lot and holds the third opening-key share, with the agent and you."))


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)


class DepositForm(forms.Form):
    amount_fen = YuanField(label=_("Amount paid (yuan)"))
    reference = forms.CharField(label=_("Payment reference"), max_length=64)


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("Objection"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


RANKS = (1, 2, 3)


class CandidatesForm(forms.Form):
    """Up to three ranked candidates chosen from the lot's registrants, and the committee's report."""

    report = forms.FileField(label=_("Committee report or result record"))

    def __init__(self, *args: Any, registrants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for rank in RANKS:
            self.fields[f"organisation_{rank}"] = forms.ModelChoiceField(
                label=_("Rank %(rank)s") % {"rank": rank}, queryset=registrants, required=rank == 1)
            self.fields[f"price_{rank}"] = YuanField(label=_("Price of rank %(rank)s (yuan)") % {"rank": rank},
                                                     required=rank == 1)
        self.order_fields([name for rank in RANKS for name in (f"organisation_{rank}", f"price_{rank}")])

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"organisation_{rank}"], self[f"price_{rank}"]) for rank in RANKS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ranked: list[tuple[Organisation, int]] = []
        gap = False
        for rank in RANKS:
            organisation, price = data.get(f"organisation_{rank}"), data.get(f"price_{rank}")
            if organisation is None and price is None:
                gap = True
                continue
            if organisation is None or price is None:
                self.add_error(f"organisation_{rank}" if organisation is None else f"price_{rank}",
                               _("Give both the organisation and its price, or neither."))
                continue
            if gap:
                self.add_error(f"organisation_{rank}", _("Fill the ranks in order, without gaps."))
            if any(o == organisation for o, _p in ranked):
                self.add_error(f"organisation_{rank}", _("An organisation can hold only one rank."))
            ranked.append((organisation, price))
        data["ranked"] = ranked
        return data


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    working = forms.TypedChoiceField(label=_("This day is"), coerce=lambda v: v == "1",
                                     choices=[("0", _("a rest day (holiday)")), ("1", _("a working day (make-up)"))])
    notice = forms.CharField(label=_("State Council notice"), max_length=100,
                             help_text=_("For example 国办发明电〔2025〕7号."))


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(label=_("State Council notice"), max_length=100)


class RuleSettingForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), choices=[(name, name) for name in ALL_RULES])
    value = forms.IntegerField(label=_("New value"), min_value=1)
