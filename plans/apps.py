from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Rencana kasus")

    def ready(self) -> None:
        from plans import audit  # noqa: F401  (registers models with django-auditlog)
