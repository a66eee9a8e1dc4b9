"""Households (Kartu Keluarga): the people one No. KK groups, and what the offices
check first about them: DTSEN membership and desil, and the national aid received.

Writes go through households/services.py (`join_household`); reads through
`Household.objects.visible_to(user)`: a household is seen by whoever sees one of
its members (DESIGN.md, "Objects added in the second round").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import in_reach
from cases.models import Beneficiary
from cases.nik import normalize_number, validate_no_kk
from regions.models import Region

DESIL_MIN, DESIL_MAX = 1, 10


class Relationship(models.TextChoices):
    """Status hubungan dalam keluarga, as the Kartu Keluarga form lists it."""

    HEAD = "kepala", _("Kepala keluarga")
    HUSBAND = "suami", _("Suami")
    WIFE = "istri", _("Istri")
    CHILD = "anak", _("Anak")
    CHILD_IN_LAW = "menantu", _("Menantu")
    GRANDCHILD = "cucu", _("Cucu")
    PARENT = "orang_tua", _("Orang tua")
    PARENT_IN_LAW = "mertua", _("Mertua")
    OTHER_RELATIVE = "famili_lain", _("Famili lain")
    HELPER = "pembantu", _("Pembantu")
    OTHER = "lainnya", _("Lainnya")


class Aid(models.TextChoices):
    """National social aid programmes a household may receive."""

    PKH = "pkh", _("PKH (Program Keluarga Harapan)")
    BPNT = "bpnt", _("BPNT/Sembako")
    PBI_JK = "pbi_jk", _("PBI-JK (Penerima Bantuan Iuran JKN)")
    BLT = "blt", _("BLT (Bantuan Langsung Tunai)")


AID_CODES = tuple(Aid.values)


def clean_aid(value: Any) -> list[str]:
    """A list of Aid codes, de-duplicated in the order of Aid; ValidationError otherwise."""
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple | set):
        raise ValidationError(_t("Bantuan harus berupa daftar program."), code="aid")
    unknown = sorted(str(item) for item in value if item not in AID_CODES)
    if unknown:
        raise ValidationError(
            _t(
                "Program bantuan tidak dikenal: %(codes)s. "
                "Pilih dari PKH, BPNT/Sembako, PBI-JK, BLT."
            )
            % {"codes": ", ".join(unknown)},
            code="aid",
        )
    return [code for code in AID_CODES if code in value]


def validate_aid(value: Any) -> None:
    clean_aid(value)


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: Any) -> HouseholdQuerySet:
        """Households with a member the user may see (a foreign one answers 404)."""

        def within(_scope: Any) -> Q:
            members = HouseholdMember.objects.filter(
                household=OuterRef("pk"),
                beneficiary__in=Beneficiary.objects.visible_to(user).values("pk"),
            )
            return Q(Exists(members))

        return in_reach(self, user, within)


class Household(models.Model):
    no_kk = models.CharField(
        _("No. KK"),
        max_length=16,
        unique=True,
        help_text=_("16 digit nomor Kartu Keluarga."),
    )
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    village = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Denormalized (from the village, else from the first member) for lists and statistics.
    regency = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+"
    )
    head = models.ForeignKey(
        Beneficiary,
        verbose_name=_("kepala keluarga"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    in_dtsen = models.BooleanField(
        _("terdaftar di DTSEN"),
        null=True,
        blank=True,
        help_text=_("Data Tunggal Sosial dan Ekonomi Nasional; kosong bila belum diketahui."),
    )
    desil = models.PositiveSmallIntegerField(
        _("desil DTSEN"),
        null=True,
        blank=True,
        validators=[MinValueValidator(DESIL_MIN), MaxValueValidator(DESIL_MAX)],
        help_text=_("1 (termiskin) sampai 10."),
    )
    aid = models.JSONField(
        _("bantuan yang diterima"),
        default=list,
        blank=True,
        validators=[validate_aid],
        help_text=_("Program nasional: PKH, BPNT/Sembako, PBI-JK, BLT."),
    )
    registered_by_org = models.ForeignKey(
        Organization,
        verbose_name=_("didaftarkan oleh"),
        on_delete=models.PROTECT,
        related_name="registered_households",
    )
    registered_regency = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota pendaftar"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas pendaftar"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("keluarga")
        verbose_name_plural = _("keluarga")
        ordering = ["no_kk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(desil__isnull=True) | Q(desil__gte=DESIL_MIN, desil__lte=DESIL_MAX),
                name="household_desil_range",
            ),
        ]
        indexes = [
            models.Index(fields=["regency", "no_kk"], name="household_regency_idx"),
            # The API list, newest first, walked and filtered by visibility (350-1400 ms
            # -> 40-50 ms at 200k beneficiaries, where the sort read every visible row).
            models.Index(fields=["-created_at", "-id"], name="household_created_idx"),
        ]

    def __str__(self) -> str:
        return _t("KK %(no_kk)s") % {"no_kk": self.no_kk}

    def clean_fields(self, exclude: Any = None) -> None:
        # "6472 0115 0520 0003" as typed from the card: its 16 digits, before max_length.
        self.no_kk = normalize_number(self.no_kk)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        try:
            self.no_kk = validate_no_kk(self.no_kk)
        except ValidationError as exc:
            errors["no_kk"] = exc.messages
        try:
            self.aid = clean_aid(self.aid)
        except ValidationError as exc:
            errors["aid"] = exc.messages
        if self.in_dtsen is False and self.desil is not None:
            errors["desil"] = [_t("Desil hanya diisi untuk keluarga yang terdaftar di DTSEN.")]
        if errors:
            raise ValidationError(errors)

    def aid_labels(self) -> list[str]:
        labels = dict(Aid.choices)
        return [str(labels[code]) for code in self.aid or () if code in labels]


class HouseholdMember(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("keluarga"), on_delete=models.CASCADE, related_name="members"
    )
    # One household per person: the KK the person is listed on now.
    beneficiary = models.OneToOneField(
        Beneficiary,
        verbose_name=_("penerima manfaat"),
        on_delete=models.CASCADE,
        related_name="household_membership",
    )
    relationship = models.CharField(
        _("hubungan dalam keluarga"),
        max_length=20,
        choices=Relationship.choices,
        default=Relationship.OTHER,
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("anggota keluarga")
        verbose_name_plural = _("anggota keluarga")
        ordering = ["household", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship="kepala"),
                name="household_one_head",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} ({self.get_relationship_display()})"
