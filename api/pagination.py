"""Cursor pagination: stable order, no COUNT(*), opaque `next`/`previous` links.

`page_size` outside 1..max_page_size (or not a whole number) is a 400 naming the
field, never clamped silently."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

# Examples for the schema: real cursor links of this API, not DRF's placeholder.
NEXT_EXAMPLE = "https://pmks.example.go.id/api/v1/referrals/?cursor=cD0yMDI1LTAzLTAx"
PREVIOUS_EXAMPLE = "https://pmks.example.go.id/api/v1/referrals/?cursor=cj0xJnA9MjAyNS0wMy0wMg"


class NewestFirstPagination(CursorPagination):
    """Lists that grow (referrals, cases, beneficiaries, services, deliveries)."""

    ordering: tuple[str, ...] = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0
        if not 1 <= value <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Harus bilangan bulat dari 1 sampai %(max)d.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return value

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

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """`next`/`previous` always present, a link or null (OpenAPI 3.1 form)."""
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": _link("The next page; null on the last one.", NEXT_EXAMPLE),
                "previous": _link("The previous page; null on the first one.", PREVIOUS_EXAMPLE),
                "results": schema,
            },
        }


def _link(description: str, example: str) -> dict[str, Any]:
    return {
        "type": ["string", "null"],
        "format": "uri",
        "description": description,
        "example": example,
    }


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
