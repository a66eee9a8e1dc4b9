"""The Kemendagri region tree: province → kabupaten/kota → kecamatan → desa/kelurahan.

Codes are the dotted Kemendagri codes that NIK and KK numbers carry (`64`,
`64.72`, `64.72.01`, `64.72.01.1001`). A region's descendants are the rows whose
code starts with its code and a dot, so "everything in Kota Samarinda" is one
indexed prefix query (`Region.objects.descendants_of(...)`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("Provinsi")
    REGENCY = "regency", _("Kabupaten/Kota")
    DISTRICT = "district", _("Kecamatan")
    VILLAGE = "village", _("Desa/Kelurahan")


# Number of dotted segments of a code at each level.
LEVEL_DEPTH = {Level.PROVINCE: 1, Level.REGENCY: 2, Level.DISTRICT: 3, Level.VILLAGE: 4}
# Digits of each segment: 64 . 72 . 01 . 1001
SEGMENT_DIGITS = (2, 2, 2, 4)

PROVINCE_CODE = "64"


class RegionQuerySet(models.QuerySet["Region"]):
    def descendants_of(self, code: str, *, include_self: bool = False) -> RegionQuerySet:
        query = models.Q(code__startswith=f"{code}.")
        if include_self:
            query |= models.Q(code=code)
        return self.filter(query)

    def regencies(self) -> RegionQuerySet:
        return self.filter(level=Level.REGENCY).order_by("code")


class Region(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [
            # LIKE 'code.%' prefix scans on Postgres need the pattern opclass.
            models.Index(
                fields=["code"], name="region_code_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "code"], name="region_level_code_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def regency_code(self) -> str | None:
        """Code of the kabupaten/kota this region lies in (itself if a regency)."""
        parts = self.code.split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 else None

    @property
    def is_kelurahan(self) -> bool:
        return self.level == Level.VILLAGE and self.code.rsplit(".", 1)[-1].startswith("1")

    def contains(self, other: Region) -> bool:
        return other.code == self.code or other.code.startswith(f"{self.code}.")
