"""The 26 PMKS/PPKS categories (Permensos 08/2012, kept as PPKS by Permensos 5/2019
and 3/2021) and the service types. The codes are the project's own and stable:
never renumber them, only add."""

from django.db import migrations

CATEGORIES = [
    # code, name, English name, child category
    ("PMKS01", "Anak Balita Telantar", "Neglected children under five", True),
    ("PMKS02", "Anak Telantar", "Neglected children", True),
    ("PMKS03", "Anak yang Berhadapan dengan Hukum", "Children in conflict with the law", True),
    ("PMKS04", "Anak Jalanan", "Street children", True),
    ("PMKS05", "Anak dengan Kedisabilitasan (ADK)", "Children with disabilities", True),
    ("PMKS06", "Anak yang Menjadi Korban Tindak Kekerasan atau Diperlakukan Salah",
     "Child victims of violence or maltreatment", True),
    ("PMKS07", "Anak yang Memerlukan Perlindungan Khusus",
     "Children in need of special protection", True),
    ("PMKS08", "Lanjut Usia Telantar", "Neglected older persons", False),
    ("PMKS09", "Penyandang Disabilitas", "Persons with disabilities", False),
    ("PMKS10", "Tuna Susila", "Persons in prostitution", False),
    ("PMKS11", "Gelandangan", "Homeless persons", False),
    ("PMKS12", "Pengemis", "Beggars", False),
    ("PMKS13", "Pemulung", "Waste pickers", False),
    ("PMKS14", "Kelompok Minoritas", "Minority groups", False),
    ("PMKS15", "Bekas Warga Binaan Lembaga Pemasyarakatan (BWBLP)", "Former prisoners", False),
    ("PMKS16", "Orang dengan HIV/AIDS (ODHA)", "People living with HIV/AIDS", False),
    ("PMKS17", "Korban Penyalahgunaan NAPZA", "Victims of drug abuse", False),
    ("PMKS18", "Korban Trafficking", "Victims of trafficking", False),
    ("PMKS19", "Korban Tindak Kekerasan", "Victims of violence", False),
    ("PMKS20", "Pekerja Migran Bermasalah Sosial (PMBS)",
     "Migrant workers with social problems", False),
    ("PMKS21", "Korban Bencana Alam", "Victims of natural disasters", False),
    ("PMKS22", "Korban Bencana Sosial", "Victims of social disasters", False),
    ("PMKS23", "Perempuan Rawan Sosial Ekonomi", "Socio-economically vulnerable women", False),
    ("PMKS24", "Fakir Miskin", "The poor", False),
    ("PMKS25", "Keluarga Bermasalah Sosial Psikologis",
     "Families with psychosocial problems", False),
    ("PMKS26", "Komunitas Adat Terpencil", "Remote indigenous communities", False),
]

SERVICE_TYPES = [
    # code, name, English name, has capacity
    ("shelter", "Tempat tinggal sementara (shelter)", "Temporary shelter", True),
    ("psychosocial", "Dukungan psikososial", "Psychosocial support", False),
    ("health", "Akses layanan kesehatan (termasuk pendaftaran BPJS PBI)",
     "Health care access (incl. BPJS PBI enrolment)", False),
    ("documentation", "Dokumen kependudukan (Dukcapil)", "Civil documentation (Dukcapil)", False),
    ("training", "Pelatihan dan pemberdayaan ekonomi", "Training and economic empowerment", True),
    ("social_assistance", "Bantuan sosial", "Social assistance", False),
    ("reunification", "Reunifikasi keluarga/pemulangan", "Family reunification/return home", False),
    ("legal_aid", "Bantuan hukum", "Legal aid", False),
    ("education", "Dukungan pendidikan", "Education support", False),
    ("other", "Lainnya", "Other", False),
]


def forwards(apps, schema_editor):
    PmksCategory = apps.get_model("cases", "PmksCategory")
    ServiceType = apps.get_model("cases", "ServiceType")
    for order, (code, name, name_en, is_child) in enumerate(CATEGORIES, start=1):
        PmksCategory.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "is_child": is_child, "sort_order": order},
        )
    for order, (code, name, name_en, has_capacity) in enumerate(SERVICE_TYPES, start=1):
        ServiceType.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "has_capacity": has_capacity,
                      "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
