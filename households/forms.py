"""The households list's search form (the filters: households.selectors.filter_households)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from households.models import DESIL_MAX, DESIL_MIN, Aid


class HouseholdSearchForm(forms.Form):
    no_kk = forms.CharField(
        label=_("No. KK"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    dtsen = forms.ChoiceField(
        label=_("DTSEN"),
        required=False,
        choices=[
            ("", _("Semua")),
            ("ya", _("Terdaftar")),
            ("tidak", _("Tidak terdaftar")),
            ("belum", _("Belum diketahui")),
        ],
    )
    desil = forms.TypedChoiceField(
        label=_("Desil"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Semua")), *[(n, str(n)) for n in range(DESIL_MIN, DESIL_MAX + 1)]],
    )
    aid = forms.ChoiceField(
        label=_("Bantuan"), required=False, choices=[("", _("Semua")), *Aid.choices]
    )
