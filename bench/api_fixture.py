"""The API referral list as an integration sees it: with an API key of the
caseworker's office created for the run (deleted after it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.measure import NotAvailable, url_for


class ApiFixture:
    """An API key of the caseworker's office for the run (deleted after), or the
    session when the api app has no keys."""

    def __init__(self, caseworker: Any):
        self.caseworker = caseworker
        self.key: Any = None
        self.clear_key = ""
        self.auth = "session"
        self.rows = 0
        self._client: Any = None
        self._ids: list[int] = []
        self._box = "outbox"

    def client(self) -> Any:
        from django.test import Client

        if self._client is not None:
            return self._client
        try:
            import api.services as api_services
        except ImportError:
            api_services = None  # type: ignore[assignment]
        api_key_create: Callable[..., Any] | None = getattr(api_services, "api_key_create", None)
        if api_key_create is not None:
            from django.contrib.auth import get_user_model

            admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            if admin is None:
                raise NotAvailable("no superuser to create an API key")
            self.key, self.clear_key = api_key_create(
                actor=admin,
                organization=self.caseworker.organization,
                name="bench",
                role="caseworker",
            )
            self._client = Client(HTTP_AUTHORIZATION=f"Api-Key {self.clear_key}")
            self.auth = "API key (dinsos-samarinda, caseworker role)"
        else:
            self._client = Client()
            self._client.force_login(self.caseworker)
        return self._client

    def list_url(self) -> str:
        return f"{url_for('api:referrals')}?box={self._box}"

    def _queryset(self) -> Any:
        from referrals.selectors import referral_list

        user = self.key.user if self.key is not None else self.caseworker
        return referral_list(user=user, box=self._box)

    def deep_url(self) -> str:
        """A cursor at half the list, built the way the paginator builds its own."""
        from rest_framework.pagination import Cursor

        from api.views.referrals import ReferralListView

        self.client()
        queryset = self._queryset()
        self.rows = queryset.count()
        middle = queryset[self.rows // 2 : self.rows // 2 + 1].first()
        if middle is None:
            raise NotAvailable("no referrals in the list")
        if ReferralListView.pagination_class is None:
            raise NotAvailable("the API referral list is not paginated")
        paginator: Any = ReferralListView.pagination_class()
        field_name = paginator.ordering[0].lstrip("-")
        paginator.base_url = f"http://testserver{self.list_url()}"
        position = str(getattr(middle, field_name))
        url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))  # type: ignore[arg-type]
        return url.removeprefix("http://testserver")

    def detail_url(self, i: int) -> str:
        if not self._ids:
            self._ids = list(self._queryset().values_list("pk", flat=True)[:50])
            if not self._ids:
                raise NotAvailable("no referrals in the list")
        return url_for("api:referral", pk=self._ids[i % len(self._ids)])

    def close(self) -> None:
        if self.key is not None:
            self.key.delete()
