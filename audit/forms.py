from django import forms
from django.utils.translation import gettext_lazy as _


class ClockAdvanceForm(forms.Form):
    to = forms.DateTimeField(label=_("Move platform time to"),
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
