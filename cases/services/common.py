"""What every case write shares: the writer check, row locks and the version claim.

Every edit of a versioned row (beneficiary, case, service) first claims the
version with a conditional UPDATE ... WHERE version = expected, so of two
concurrent saves exactly one wins and the other gets VersionConflict with what
changed; then the row is saved normally so django-auditlog records the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    Case,
)
from cases.selectors import (
    may_write_case,
)
from pmks.errors import NotAllowed, VersionConflict


def _require_case_writer(actor: User, case: Case) -> None:
    if not may_write_case(actor, case):
        raise NotAllowed(_("Anda tidak dapat mengubah kasus ini."))


def _locked(case: Case) -> Case:
    """The case as saved now, locked for this transaction (the caller's copy may be stale)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("beneficiary", "primary_category", "owner_org", "assigned_to")
        .get(pk=case.pk)
    )


def _claim_version(model: type[models.Model], pk: int, expected: int) -> bool:
    """Conditional UPDATE: bump the version only if it is still `expected`."""
    return (
        model._default_manager.filter(pk=pk, version=expected).update(  # type: ignore[attr-defined]
            version=expected + 1
        )
        == 1
    )


def _display(instance: models.Model, field_name: str, value: Any) -> str:
    field = instance._meta.get_field(field_name)
    if value in (None, ""):
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))  # type: ignore[union-attr]
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    return str(value)


def _current_value(instance: models.Model, field_name: str) -> Any:
    field = instance._meta.get_field(field_name)
    if field.many_to_many:
        return list(getattr(instance, field_name).all())
    return getattr(instance, field_name)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, list | tuple | set) or isinstance(right, list | tuple | set):
        return {getattr(x, "pk", x) for x in left or ()} == {
            getattr(x, "pk", x) for x in right or ()
        }
    if isinstance(left, models.Model) or isinstance(right, models.Model):
        return getattr(left, "pk", left) == getattr(right, "pk", right)
    return (left or None) == (right or None)


def _label(field: models.Field[Any, Any] | models.ForeignObjectRel) -> str:
    """The verbose name of one of the model's own fields (the services' data never
    names a reverse relation, which has none)."""
    assert isinstance(field, models.Field), f"{field.name} is not a field of its own"
    return str(field.verbose_name)


def _version_conflict(current: models.Model, data: dict[str, Any]) -> VersionConflict:
    """What the user typed against what is saved now, field by field."""
    changes = []
    for name, theirs in data.items():
        try:
            field = current._meta.get_field(name)
        except Exception:  # noqa: BLE001  (form-only keys such as confirmations)
            continue
        now = _current_value(current, name)
        if not _same(theirs, now):
            changes.append(
                {
                    "field": name,
                    "label": _label(field),
                    "yours": _display(current, name, theirs),
                    "current": _display(current, name, now),
                }
            )
    return VersionConflict(
        _(
            "Data ini sudah diubah orang lain sejak Anda membukanya. Perubahan Anda belum "
            "disimpan; periksa perbedaannya lalu simpan lagi."
        ),
        current=current,
        changes=changes,
    )


def _changed_labels(instance: models.Model, data: dict[str, Any]) -> list[str]:
    labels = []
    for name, value in data.items():
        if not _same(value, _current_value(instance, name)):
            labels.append(_label(instance._meta.get_field(name)))
    return labels


_CASE_FK = ("beneficiary", "primary_category", "owner_org", "assigned_to")
