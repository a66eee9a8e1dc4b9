"""Forms of the beneficiary and case pages. They check input types only; the
rules (NIK, duplicates, transitions, versions) are in cases/services.py."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from cases.models import (
    Beneficiary,
    Case,
    ClosureReason,
    LegalBasis,
    Need,
    NikAbsentReason,
    PmksCategory,
    Priority,
    RiskLevel,
    ServiceDelivery,
    ServiceStatus,
    ServiceType,
    Sex,
)
from cases.services.registration import BENEFICIARY_FIELDS
from pmks.dates import DayMonthYearField
from regions.models import Level, Region

EMPTY = [("", "—")]


def _region_pk(form: forms.Form, name: str) -> int | None:
    """The chosen region's id, or None when absent or not an id the database can
    hold (letters, non-ASCII digits, a number past a bigint)."""
    if form.is_bound:
        value = form.data.get(form.add_prefix(name))
    else:
        value = form.initial.get(name)
        value = getattr(value, "pk", value)
    text = str(value) if value not in (None, "") else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def model_choice_field(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    """The form's own copy of a declared ModelChoiceField (or ModelMultipleChoiceField),
    to set its queryset: `form.fields` is typed as holding plain Fields."""
    return cast(forms.ModelChoiceField, form.fields[name])


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class BeneficiaryForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=24,
        help_text=_("16 digit. Kosongkan bila tidak ada, lalu pilih alasannya."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    nik_absent_reason = forms.ChoiceField(
        label=_("Alasan tanpa NIK"), choices=[*EMPTY, *NikAbsentReason.choices], required=False
    )
    no_kk = forms.CharField(
        label=_("No. KK"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    sex = forms.ChoiceField(
        label=_("Jenis kelamin"),
        choices=[("", _("— dari NIK —"))] + Sex.choices,
        required=False,
    )
    birth_date = DayMonthYearField(label=_("Tanggal lahir"), required=False)
    birth_date_estimated = forms.BooleanField(label=_("Tanggal lahir perkiraan"), required=False)
    birth_place = forms.CharField(label=_("Tempat lahir"), required=False, max_length=100)
    regency = forms.ModelChoiceField(
        label=_("Kabupaten/kota domisili"),
        queryset=Region.objects.filter(level=Level.REGENCY).order_by("code"),
        empty_label="—",
    )
    district = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Region.objects.none(), required=False, empty_label="—"
    )
    village = forms.ModelChoiceField(
        label=_("Desa/kelurahan"), queryset=Region.objects.none(), required=False, empty_label="—"
    )
    address = forms.CharField(label=_("Alamat"), required=False, max_length=300)
    phone = forms.CharField(label=_("Telepon"), required=False, max_length=40)
    has_disability = forms.BooleanField(label=_("Penyandang disabilitas"), required=False)
    disability_note = forms.CharField(
        label=_("Keterangan disabilitas"), required=False, max_length=200
    )
    legal_basis = forms.ChoiceField(
        label=_("Dasar pemrosesan data (UU PDP)"), choices=[*EMPTY, *LegalBasis.choices]
    )
    consent_note = forms.CharField(
        label=_("Keterangan persetujuan"),
        required=False,
        max_length=300,
        help_text=_("Siapa yang memberi persetujuan dan kapan, atau dasar hukumnya."),
    )
    nik_mismatch_confirmed = forms.BooleanField(
        label=_("Data yang saya isi sudah benar walaupun berbeda dengan NIK"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regency = _region_pk(self, "regency")
        district = _region_pk(self, "district")
        if regency:
            model_choice_field(self, "district").queryset = Region.objects.filter(
                level=Level.DISTRICT, parent_id=regency
            ).order_by("code")
        if district:
            model_choice_field(self, "village").queryset = Region.objects.filter(
                level=Level.VILLAGE, parent_id=district
            ).order_by("code")

    @classmethod
    def initial_for(cls, beneficiary: Beneficiary) -> dict[str, Any]:
        initial = {name: getattr(beneficiary, name) for name in BENEFICIARY_FIELDS}
        initial.pop("region")
        initial["nik"] = beneficiary.nik or ""
        initial["regency"] = beneficiary.regency_id
        initial["district"] = beneficiary.district_id
        if beneficiary.region.level == Level.VILLAGE:
            initial["village"] = beneficiary.region_id
        initial["version"] = beneficiary.version
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        regency, district, village = data.get("regency"), data.get("district"), data.get("village")
        if district and regency and district.parent_id != regency.pk:
            self.add_error("district", _("Kecamatan ini tidak berada di kabupaten/kota itu."))
        if village and district and village.parent_id != district.pk:
            self.add_error("village", _("Desa/kelurahan ini tidak berada di kecamatan itu."))
        data["region"] = village or district or regency
        return data

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in BENEFICIARY_FIELDS}
        data["nik_mismatch_confirmed"] = self.cleaned_data.get("nik_mismatch_confirmed")
        return data

    @property
    def has_nik_mismatch(self) -> bool:
        return self.has_error("sex", "nik_mismatch") or self.has_error("birth_date", "nik_mismatch")


class AgeConfirmationForm(forms.Form):
    """The box a worker ticks to keep a category that the age rules only warn about
    (cases/age_rules.py); the templates show it after the warning."""

    age_mismatch_confirmed = forms.BooleanField(
        label=_("Kategori ini sudah benar walaupun tidak sesuai dengan usia orang ini"),
        required=False,
    )

    @property
    def shows_age_confirmation(self) -> bool:
        """The confirmation box appears only once the age warning was given."""
        return self.has_error("age_mismatch_confirmed") or bool(
            self["age_mismatch_confirmed"].value()
        )


class CaseOpenForm(AgeConfirmationForm):
    primary_category = forms.ModelChoiceField(
        label=_("Kategori PMKS utama"), queryset=PmksCategory.objects.all(), empty_label="—"
    )
    other_categories = forms.ModelMultipleChoiceField(
        label=_("Kategori PMKS lain"),
        queryset=PmksCategory.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    priority = forms.ChoiceField(label=_("Prioritas"), choices=Priority.choices, initial="normal")
    summary = forms.CharField(
        label=_("Ringkasan masalah"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Pekerja sosial"), queryset=User.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is not None:
            model_choice_field(self, "assigned_to").queryset = assignees
        else:
            del self.fields["assigned_to"]


class CaseEditForm(VersionedForm, AgeConfirmationForm):
    primary_category = forms.ModelChoiceField(
        label=_("Kategori PMKS utama"), queryset=PmksCategory.objects.all(), empty_label="—"
    )
    other_categories = forms.ModelMultipleChoiceField(
        label=_("Kategori PMKS lain"),
        queryset=PmksCategory.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    priority = forms.ChoiceField(label=_("Prioritas"), choices=Priority.choices)
    summary = forms.CharField(
        label=_("Ringkasan masalah"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    @classmethod
    def initial_for(cls, case: Case, other_categories: list[PmksCategory]) -> dict[str, Any]:
        return {
            "primary_category": case.primary_category_id,
            "other_categories": [c.pk for c in other_categories],
            "priority": case.priority,
            "summary": case.summary,
            "version": case.version,
        }


class AssessmentForm(forms.Form):
    needs = forms.MultipleChoiceField(
        label=_("Kebutuhan"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk_level = forms.ChoiceField(
        label=_("Tingkat risiko"), choices=RiskLevel.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Catatan asesmen"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _provider_choices() -> Any:
    return Organization.objects.filter(is_active=True).order_by("name")


class ServiceForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Jenis layanan"), queryset=ServiceType.objects.all(), empty_label="—"
    )
    provider_org = forms.ModelChoiceField(
        label=_("Penyedia layanan"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— kantor sendiri/lainnya —"),
    )
    provider_name = forms.CharField(
        label=_("Penyedia lain (bila tidak ada di daftar)"), required=False, max_length=200
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ServiceStatus.choices, initial=ServiceStatus.PLANNED
    )
    start_date = DayMonthYearField(label=_("Tanggal mulai"), required=False)
    end_date = DayMonthYearField(label=_("Tanggal selesai"), required=False)
    outcome = forms.CharField(
        label=_("Hasil"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "provider_org").queryset = _provider_choices()


class ServiceUpdateForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    start_date = DayMonthYearField(label=_("Tanggal mulai"), required=False)
    end_date = DayMonthYearField(label=_("Tanggal selesai"), required=False)
    outcome = forms.CharField(
        label=_("Hasil"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_for(cls, service: ServiceDelivery) -> dict[str, Any]:
        return {
            "status": service.status,
            "start_date": service.start_date,
            "end_date": service.end_date,
            "outcome": service.outcome,
            "version": service.version,
        }


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Catatan"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Berkas"))
    description = forms.CharField(label=_("Keterangan"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accept = ",".join(sorted(settings.ATTACHMENT_ALLOWED_TYPES))
        self.fields["file"].widget.attrs["accept"] = accept


class TransitionForm(forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Alasan/catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    closure_reason = forms.ChoiceField(
        label=_("Alasan penutupan"), choices=[*EMPTY, *ClosureReason.choices], required=False
    )


GOAL_MET_PREFIX = "goal_met_"


def goals_met_from(data: Any) -> dict[int, str]:
    """The closure form's answers "was this goal of the plan met?" (fields
    goal_met_<goal id>, shown when the case has an approved plan), by goal id."""
    answers = {}
    for name, value in data.items():
        suffix = name.removeprefix(GOAL_MET_PREFIX)
        digits = suffix.isascii() and suffix.isdigit() and len(suffix) <= 18
        if name.startswith(GOAL_MET_PREFIX) and digits:
            answers[int(suffix)] = str(value)
    return answers


class AssigneeField(forms.ModelChoiceField):
    """Caseworkers named with their office (a supervisor's list spans the offices
    of a kabupaten/kota)."""

    def label_from_instance(self, obj: User) -> str:
        assert obj.organization is not None, "an assignable caseworker has an office"
        return f"{obj.display_name} — {obj.organization.name}"


class AssignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(queryset=Case.objects.none())
    assignee = AssigneeField(
        label=_("Tugaskan kepada"), queryset=User.objects.none(), empty_label="—"
    )

    def __init__(self, *args: Any, cases: Any, assignees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "cases").queryset = cases
        model_choice_field(self, "assignee").queryset = assignees


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on top)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            if field == "region":
                target = "regency"
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)
