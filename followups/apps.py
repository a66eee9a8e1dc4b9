from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Tindak lanjut dan kunjungan")

    def ready(self) -> None:
        from followups import audit  # noqa: F401  (registers models with django-auditlog)
