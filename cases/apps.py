from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Penerima manfaat dan kasus")

    def ready(self) -> None:
        from cases import audit  # noqa: F401  (registers models with django-auditlog)
