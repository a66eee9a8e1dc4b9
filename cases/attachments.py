"""Upload checks for case attachments: size, extension, and the content itself.

The browser's content type and the file name prove nothing, so the first bytes
are read and must match the extension (PDF, PNG, JPEG; DOCX/XLSX are ZIP
packages holding their main part).
"""

from __future__ import annotations

import os
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
# The part an Office Open XML package of each kind must contain.
OOXML_MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def safe_name(name: str) -> str:
    """The user's file name without any path, trimmed to fit the column."""
    base = os.path.basename(name.replace("\\", "/")).strip() or "lampiran"
    stem, ext = os.path.splitext(base)
    return stem[: 200 - len(ext)] + ext


def check_upload(uploaded: IO[bytes], *, name: str, size: int) -> tuple[str, str]:
    """Validate an upload; return (extension, content type). Raises ValidationError."""
    allowed: dict[str, str] = settings.ATTACHMENT_ALLOWED_TYPES
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("Berkas terlalu besar (%(size)s); batasnya %(limit)s.")
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("Berkas kosong."), code="empty")
    ext = os.path.splitext(name)[1].lower()
    if ext not in allowed:
        raise ValidationError(
            _("Jenis berkas %(ext)s tidak diizinkan. Yang diizinkan: %(allowed)s.")
            % {"ext": ext or "?", "allowed": ", ".join(sorted(allowed))},
            code="type",
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    signatures = MAGIC.get(ext, ())
    mismatch = ValidationError(
        _("Isi berkas tidak sesuai dengan jenisnya (%(ext)s).") % {"ext": ext}, code="content"
    )
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise mismatch
    if ext in OOXML_MAIN_PART:
        try:
            with zipfile.ZipFile(uploaded) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError):
            raise mismatch from None
        finally:
            uploaded.seek(0)
        if OOXML_MAIN_PART[ext] not in names:
            raise mismatch
    return ext, allowed[ext]
