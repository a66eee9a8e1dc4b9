from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Keluarga (Kartu Keluarga)")

    def ready(self) -> None:
        from households import audit  # noqa: F401  (registers models with django-auditlog)
