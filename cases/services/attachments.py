"""Attachments of a case (size- and type-limited; see cases/attachments.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases.attachments import check_upload, safe_name
from cases.models import (
    Attachment,
    Case,
    EventKind,
)
from cases.services.common import _require_case_writer
from cases.services.timeline import case_add_event
from pmks.hooks import data_changed


@transaction.atomic
def attachment_add(
    *, actor: User, case: Case, uploaded_file: UploadedFile, description: str = ""
) -> Attachment:
    """Store a checked upload under MEDIA_ROOT (never served) with a timeline entry."""
    _require_case_writer(actor, case)
    name = safe_name(uploaded_file.name or "")
    size = uploaded_file.size or 0
    try:
        _ext, content_type = check_upload(uploaded_file, name=name, size=size)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    attachment = Attachment(
        case=case,
        original_name=name,
        content_type=content_type,
        size=size,
        description=(description or "").strip()[:200],
        uploaded_by=actor,
    )
    attachment.file.save(name, uploaded_file, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    case_add_event(
        case=case,
        kind=EventKind.ATTACHMENT,
        text=_("Lampiran: %(name)s") % {"name": name},
        actor=actor,
        data={"attachment_id": attachment.pk},
    )
    data_changed("case", case.pk)
    return attachment
