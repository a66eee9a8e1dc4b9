"""Forms of the import pages: the upload with the user's choices, the column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import LegalBasis
from imports.columns import COLUMNS
from imports.models import ExistingAction
from imports.services import Choices


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas XLSX atau CSV"),
        help_text=_(
            "Baris pertama berisi judul kolom. Gunakan templat agar kolomnya langsung dikenali."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    legal_basis = forms.ChoiceField(
        label=_("Dasar pemrosesan data (UU PDP) untuk baris yang tidak mengisinya"),
        choices=LegalBasis.choices,
        initial=LegalBasis.PUBLIC_TASK,
    )
    existing_action = forms.ChoiceField(
        label=_("Bila NIK sudah terdaftar"),
        choices=ExistingAction.choices,
        initial=ExistingAction.LINK,
        widget=forms.RadioSelect,
    )
    create_similar = forms.BooleanField(
        label=_(
            "Tetap daftarkan orang yang mirip dengan orang terdaftar (nama, tanggal lahir, desa)"
        ),
        required=False,
    )
    confirm_age_warnings = forms.BooleanField(
        label=_("Peringatan usia kategori sudah diperiksa: tetap buka kasusnya"),
        required=False,
    )

    def choices(self) -> Choices:
        data = self.cleaned_data
        return Choices(
            existing_action=data["existing_action"],
            create_similar=data["create_similar"],
            confirm_age_warnings=data["confirm_age_warnings"],
            legal_basis=data["legal_basis"],
        )


class MappingForm(forms.Form):
    """One choice per field of ours: which column of the file holds it."""

    def __init__(
        self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("— tidak ada —")), *[(h, h) for h in headers]]
        for column in COLUMNS:
            self.fields[column.key] = forms.ChoiceField(
                label=column.label,
                choices=options,
                required=column.required,
                initial=initial_mapping.get(column.key, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if value}
