"""Shapes at the boundary; the services judge the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from experts.models import Draw, Specialty


class DrawCreateForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Draw"), choices=Draw.Purpose.choices)
    k = forms.IntegerField(label=_("Number to draw"), min_value=1, max_value=99, initial=5)
    m = forms.IntegerField(label=_("Backups, in order"), min_value=0, max_value=99, initial=3)
    specialties = forms.ModelMultipleChoiceField(label=_("Specialties (experts only)"), required=False,
                                                 queryset=Specialty.objects.all(), to_field_name="code")
    regions = forms.CharField(label=_("Regions (optional, separated by commas)"), required=False, max_length=200)
    contact_attempts = forms.IntegerField(label=_("Call attempts before a no-answer"), min_value=1, max_value=9,
                                          initial=3)
    contact_minutes = forms.IntegerField(label=_("Minutes the attempts must span"), min_value=0, max_value=1440,
                                         initial=20)
    follows = forms.ModelChoiceField(label=_("Follows the draw"), required=False, queryset=Draw.objects.none(),
                                     to_field_name="draw_id")

    def __init__(self, *args, lot=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lot is not None:
            self.fields["follows"].queryset = Draw.objects.filter(lot=lot)

    def region_list(self) -> list[str]:
        return [r.strip() for r in self.cleaned_data["regions"].replace("，", ",").split(",") if r.strip()]


class WitnessForm(forms.Form):
    # The shape is checked by the service, so a bad value gets its one clear message.
    witness = forms.CharField(label=_("Witness digits (from the dice)"), max_length=200, strip=True,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class ReplyForm(forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=[("accept", _("I accept")), ("decline", _("I decline")),
                                                           ("conflict", _("I declare a conflict of interest"))],
                               widget=forms.RadioSelect)
    text = forms.CharField(label=_("Reason or remark (for a conflict: with whom)"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV (UTF-8) or XLSX file"))
    valid_rows_only = forms.BooleanField(label=_("Import the valid rows only"), required=False)
