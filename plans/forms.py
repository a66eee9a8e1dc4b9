"""Forms of the plan page. Input types only; the rules are in plans/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from cases.forms import VersionedForm, model_choice_field
from plans.models import ActionStatus, PlanAction, PlanGoal
from pmks.dates import DayMonthYearField


class GoalForm(VersionedForm):
    need = forms.ChoiceField(label=_("Kebutuhan (dari asesmen)"), choices=(), required=False)
    text = forms.CharField(
        label=_("Tujuan"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, needs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["need"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— lainnya —")), *needs]

    @classmethod
    def initial_for(cls, goal: PlanGoal, version: int) -> dict[str, Any]:
        return {"need": goal.need, "text": goal.text, "version": version}


class ActionForm(VersionedForm):
    text = forms.CharField(
        label=_("Tindakan"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible_org = forms.ModelChoiceField(
        label=_("Lembaga penanggung jawab"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label="—",
    )
    responsible_user = forms.ModelChoiceField(
        label=_("Petugas penanggung jawab"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
    )
    responsible_name = forms.CharField(
        label=_("Penanggung jawab lain (bila tidak ada di daftar)"),
        max_length=200,
        required=False,
    )
    target_date = DayMonthYearField(label=_("Tanggal target"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.NOT_STARTED
    )
    progress = forms.IntegerField(label=_("Kemajuan (%)"), min_value=0, max_value=100, initial=0)

    def __init__(self, *args: Any, organizations: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "responsible_org").queryset = organizations
        model_choice_field(self, "responsible_user").queryset = people

    @classmethod
    def initial_for(cls, action: PlanAction, version: int) -> dict[str, Any]:
        return {
            "text": action.text,
            "responsible_org": action.responsible_org_id,
            "responsible_user": action.responsible_user_id,
            "responsible_name": action.responsible_name,
            "target_date": action.target_date,
            "status": action.status,
            "progress": action.progress,
            "version": version,
        }


class ApproveForm(VersionedForm):
    review_date = DayMonthYearField(
        label=_("Tanggal tinjauan"),
        required=False,
        help_text=_("Kosongkan untuk tanggal usulan."),
    )


class ReturnForm(VersionedForm):
    reason = forms.CharField(
        label=_("Alasan dikembalikan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProgressForm(VersionedForm):
    """An action of the approved plan: only how far it is."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    progress = forms.IntegerField(label=_("Kemajuan (%)"), min_value=0, max_value=100)

    @classmethod
    def initial_for(cls, action: PlanAction, version: int) -> dict[str, Any]:
        return {"status": action.status, "progress": action.progress, "version": version}
