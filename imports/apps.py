from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Impor data")

    def ready(self) -> None:
        from imports import audit  # noqa: F401  (registers ImportJob with django-auditlog)
