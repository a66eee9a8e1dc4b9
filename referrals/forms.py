"""Forms of the referral pages; the rules themselves live in referrals/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Role, User
from cases.forms import model_choice_field
from cases.models import LegalBasis, ServiceType
from referrals.models import ReferralKind, ServiceOffer, Urgency
from referrals.selectors import referral_target_organizations


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis rujukan"),
        choices=ReferralKind.choices,
        widget=forms.RadioSelect,
        initial=ReferralKind.SERVICE,
    )
    offer = forms.ModelChoiceField(
        label=_("Layanan di direktori"),
        queryset=ServiceOffer.objects.filter(is_active=True).select_related("organization"),
        required=False,
        widget=forms.HiddenInput,
    )
    to_org = forms.ModelChoiceField(
        label=_("Organisasi tujuan"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— pilih organisasi —"),
        help_text=_("Pemindahan kasus hanya ke Dinas Sosial kabupaten/kota lain."),
    )
    service_type = forms.ModelChoiceField(
        label=_("Layanan yang diminta"),
        queryset=ServiceType.objects.all(),
        required=False,
        empty_label=_("— pilih layanan —"),
    )
    urgency = forms.ChoiceField(label=_("Urgensi"), choices=Urgency.choices, initial=Urgency.NORMAL)
    reason = forms.CharField(
        label=_("Alasan rujukan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    shared_summary = forms.CharField(
        label=_("Ringkasan yang dibagikan kepada penerima"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_(
            "Penerima hanya melihat identitas penerima manfaat dan ringkasan ini, "
            "bukan seluruh berkas kasus."
        ),
    )
    legal_basis = forms.ChoiceField(
        label=_("Dasar berbagi data pribadi (UU PDP)"),
        choices=[("", _("— pilih dasar —")), *LegalBasis.choices],
        error_messages={
            "required": _(
                "Dasar berbagi data pribadi (UU PDP) wajib dipilih; "
                "tanpa itu rujukan tidak dapat dikirim."
            )
        },
    )
    consent_note = forms.CharField(
        label=_("Keterangan persetujuan"),
        required=False,
        max_length=300,
        help_text=_("Siapa yang memberi persetujuan dan kapan, atau dasar hukumnya."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ref_%s")  # the directory search on the page has id_*
        super().__init__(*args, **kwargs)
        model_choice_field(self, "to_org").queryset = referral_target_organizations()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("to_org") and not data.get("offer"):
            self.add_error("to_org", _("Pilih organisasi tujuan atau layanan dari direktori."))
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's field errors next to the fields (others on top)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class AcceptForm(forms.Form):
    assigned_to = forms.ModelChoiceField(
        label=_("Pekerja sosial yang menangani"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— ditugaskan kemudian —"),
    )

    def __init__(self, *args: Any, to_org_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assigned_to").queryset = User.objects.filter(
            organization_id=to_org_id,
            role=Role.CASEWORKER,
            is_active=True,
            is_integration=False,
        ).order_by("first_name", "username")


class CapacityForm(forms.Form):
    capacity_free = forms.IntegerField(label=_("Tersedia"), min_value=0)
    capacity_total = forms.IntegerField(label=_("Total"), min_value=0, required=False)
    # The free places the row showed ("" when unlimited); absent: not checked.
    seen_free = forms.IntegerField(required=False, widget=forms.HiddenInput)
