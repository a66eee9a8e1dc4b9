"""Forms of the follow-ups and visits (thin: the services validate the rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.forms import AssigneeField, model_choice_field
from followups.models import FollowUp, FollowUpKind
from pmks.dates import DayMonthYearField


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis"), choices=FollowUpKind.choices)
    due_date = DayMonthYearField(label=_("Batas waktu (dd/mm/yyyy)"))
    assignee = AssigneeField(
        label=_("Petugas"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    note = forms.CharField(label=_("Keterangan"), required=False, max_length=300)

    def __init__(self, *args: Any, assignees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assignee").queryset = assignees


class CompleteForm(forms.Form):
    result = forms.CharField(
        label=_("Hasil"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReassignForm(forms.Form):
    followups = forms.ModelMultipleChoiceField(queryset=FollowUp.objects.none())
    assignee = AssigneeField(
        label=_("Tugaskan kepada"), queryset=User.objects.none(), empty_label="—"
    )

    def __init__(self, *args: Any, followups: Any, assignees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "followups").queryset = followups
        model_choice_field(self, "assignee").queryset = assignees


class VisitForm(forms.Form):
    visited_on = DayMonthYearField(label=_("Tanggal kunjungan (dd/mm/yyyy)"))
    place = forms.CharField(label=_("Tempat"), max_length=200)
    met_with = forms.CharField(label=_("Orang yang ditemui"), max_length=200)
    notes = forms.CharField(
        label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Filled only by the "Ambil lokasi" button (static/js/geolocation.js).
    latitude = forms.DecimalField(
        required=False,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        required=False,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        widget=forms.HiddenInput,
    )
    followup = forms.ModelChoiceField(
        label=_("Menyelesaikan tindak lanjut"),
        queryset=FollowUp.objects.none(),
        required=False,
        empty_label=_("— tidak ada —"),
    )

    def __init__(self, *args: Any, open_followups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "followup").queryset = open_followups

    def clean_latitude(self) -> Decimal | None:
        value = self.cleaned_data.get("latitude")
        return None if value is None else round(value, 6)

    def clean_longitude(self) -> Decimal | None:
        value = self.cleaned_data.get("longitude")
        return None if value is None else round(value, 6)
