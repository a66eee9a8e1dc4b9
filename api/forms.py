"""Forms of the "Integrasi API" page (keys and webhooks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Role
from api.models import WebhookEndpoint, WebhookEvent
from api.services import allowed_key_roles
from pmks.dates import DayMonthYearField


class KeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nama kunci"),
        max_length=50,
        help_text=_("Misalnya nama sistem yang memakainya: SIMRS, aplikasi kasus."),
    )
    role = forms.ChoiceField(label=_("Bertindak sebagai"))
    expiry = DayMonthYearField(label=_("Berlaku sampai"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)  # noqa: S101
        role_field.choices = [(role, Role(role).label) for role in allowed_key_roles(organization)]
        self.fields["expiry"].initial = timezone.localdate() + dt.timedelta(
            days=settings.API_KEY_DEFAULT_VALID_DAYS
        )

    def clean_expiry(self) -> dt.date:
        expiry = self.cleaned_data["expiry"]
        if expiry <= timezone.localdate():
            raise forms.ValidationError(_("Tanggal kedaluwarsa harus di masa depan."))
        return expiry

    def expiry_datetime(self) -> dt.datetime:
        """End of the chosen day, local time."""
        day = self.cleaned_data["expiry"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


class WebhookCreateForm(forms.Form):
    url = forms.URLField(label=_("URL penerima"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Peristiwa"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=WebhookEvent.values,
    )
    description = forms.CharField(label=_("Keterangan"), max_length=200, required=False)


class WebhookReplayForm(forms.Form):
    """Replay the events first delivered to one of the organization's webhooks in a range."""

    endpoint = forms.ModelChoiceField(label=_("Webhook"), queryset=WebhookEndpoint.objects.none())
    since = forms.DateTimeField(
        label=_("Dari"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = forms.DateTimeField(
        label=_("Sampai"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        endpoint_field = self.fields["endpoint"]
        assert isinstance(endpoint_field, forms.ModelChoiceField)  # noqa: S101
        endpoint_field.queryset = WebhookEndpoint.objects.filter(
            organization=organization, is_active=True
        )
