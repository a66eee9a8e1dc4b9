"""Navigation entries by role. Each entry is (url name, label)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role

NAVIGATION = {
    Role.CASEWORKER: [
        ("home", _("Beranda")),
        ("cases:case_list", _("Kasus")),
        ("cases:beneficiary_register", _("Registrasi")),
        ("households:list", _("Keluarga")),
        ("followups:my_work", _("Tugas saya")),
        ("referrals:inbox", _("Rujukan")),
        ("referrals:directory", _("Direktori layanan")),
        ("offline:queue", _("Antrian kirim")),
        ("imports:list", _("Impor")),
    ],
    Role.SUPERVISOR: [
        ("home", _("Beranda")),
        ("cases:case_list", _("Kasus")),
        ("cases:approval_queue", _("Persetujuan")),
        ("households:list", _("Keluarga")),
        ("followups:office_overdue", _("Tugas terlambat")),
        ("referrals:inbox", _("Rujukan")),
        ("stats:dashboard", _("Dasbor")),
        ("imports:list", _("Impor")),
    ],
    Role.AGENCY_STAFF: [
        ("home", _("Beranda")),
        ("referrals:inbox", _("Rujukan masuk")),
    ],
    Role.ADMIN: [
        ("home", _("Beranda")),
        ("admin:index", _("Admin")),
    ],
}
