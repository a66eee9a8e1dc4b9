"""Cursor pagination: stable order, no COUNT(*), opaque `next`/`previous` links."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class NewestFirstPagination(CursorPagination):
    """Lists that grow (referrals, cases, beneficiaries, services, deliveries)."""

    ordering: tuple[str, ...] = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # a mangled cursor is bad input, not a missing page
            raise ValidationError({self.cursor_query_param: [_("Kursor tidak valid.")]}) from exc

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


class OldestFirstPagination(NewestFirstPagination):
    """Conversations read top-down."""

    ordering = ("created_at", "id")


class ByIdPagination(NewestFirstPagination):
    """Reference lists (regions, the service directory): stable, in insertion order."""

    ordering = ("id",)
    page_size = 100
    max_page_size = 500


class ByCodePagination(ByIdPagination):
    ordering = ("code",)
