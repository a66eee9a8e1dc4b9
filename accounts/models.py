"""Organizations, users and roles. Who may see what lives in accounts/scoping.py."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import Level, Region


class OrganizationKind(models.TextChoices):
    PROVINCE_OFFICE = "province_office", _("Dinas Sosial Provinsi")
    REGENCY_OFFICE = "regency_office", _("Dinas Sosial Kabupaten/Kota")
    UPTD = "uptd", _("UPTD")
    AGENCY = "agency", _("Instansi/lembaga mitra")


class Sector(models.TextChoices):
    SOCIAL = "social", _("Sosial")
    HEALTH = "health", _("Kesehatan")
    WOMEN_CHILDREN = "women_children", _("Perlindungan perempuan dan anak")
    LABOUR = "labour", _("Ketenagakerjaan")
    POPULATION_REGISTRY = "population_registry", _("Kependudukan dan pencatatan sipil")
    SOCIAL_INSURANCE = "social_insurance", _("Jaminan sosial")
    NGO = "ngo", _("LKS/LSM")
    OTHER = "other", _("Lainnya")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Pekerja sosial")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_STAFF = "agency_staff", _("Staf instansi mitra")
    ADMIN = "admin", _("Administrator")


class Organization(models.Model):
    code = models.SlugField(_("kode"), max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=20, choices=OrganizationKind.choices)
    sector = models.CharField(
        _("sektor"), max_length=30, choices=Sector.choices, default=Sector.SOCIAL
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah kerja"),
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text=_("Provinsi atau kabupaten/kota yang menjadi wilayah kerja."),
    )
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    email = models.EmailField(_("surel"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("organisasi")
        verbose_name_plural = _("organisasi")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "region"], name="org_kind_region_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.region_id and self.region.level not in (Level.PROVINCE, Level.REGENCY):
            raise ValidationError(
                {"region": _("Wilayah kerja harus provinsi atau kabupaten/kota.")}
            )
        if (
            self.kind == OrganizationKind.PROVINCE_OFFICE
            and self.region_id
            and self.region.level != Level.PROVINCE
        ):
            raise ValidationError(
                {"region": _("Dinas Sosial Provinsi harus berwilayah kerja provinsi.")}
            )
        if (
            self.kind == OrganizationKind.REGENCY_OFFICE
            and self.region_id
            and self.region.level != Level.REGENCY
        ):
            raise ValidationError(
                {"region": _("Dinas Sosial Kabupaten/Kota harus berwilayah kerja kabupaten/kota.")}
            )

    @property
    def is_office(self) -> bool:
        """Dinsos offices and UPTDs own cases; partner agencies do not."""
        return self.kind in (
            OrganizationKind.PROVINCE_OFFICE,
            OrganizationKind.REGENCY_OFFICE,
            OrganizationKind.UPTD,
        )

    @property
    def is_provincial(self) -> bool:
        return self.kind == OrganizationKind.PROVINCE_OFFICE


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisasi"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    role = models.CharField(
        _("peran"), max_length=20, choices=Role.choices, default=Role.CASEWORKER
    )
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    is_integration = models.BooleanField(
        _("pengguna integrasi API"),
        default=False,
        help_text=_("Akun yang dipakai kunci API organisasi; bukan orang, tidak bisa masuk."),
    )

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.role != Role.ADMIN and not self.organization_id:
            raise ValidationError({"organization": _("Setiap pengguna harus punya organisasi.")})
        if (
            self.role in (Role.CASEWORKER,)
            and self.organization is not None
            and not self.organization.is_office
        ):
            raise ValidationError(
                {"role": _("Pekerja sosial harus berada di Dinas Sosial atau UPTD.")}
            )
        if (
            self.role == Role.AGENCY_STAFF
            and self.organization is not None
            and self.organization.kind != OrganizationKind.AGENCY
        ):
            raise ValidationError(
                {"role": _("Staf instansi mitra harus berada di instansi/lembaga mitra.")}
            )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
