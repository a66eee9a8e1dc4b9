from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from regions.loading import SHIPPED_CSV
from regions.models import Level, Region

pytestmark = pytest.mark.django_db

# New codes for the loading tests: Samarinda has kecamatan 64.72.01-10 in the shipped tree.
NEW = "64.72.11"
HEADER = "code,name,level,parent_code\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def run(path: Path) -> str:
    out = StringIO()
    call_command("load_regions", str(path), stdout=out)
    return out.getvalue()


def test_the_whole_kaltim_tree_ships_with_the_migrations():
    assert Region.objects.get(code="64").level == Level.PROVINCE
    regencies = dict(Region.objects.regencies().values_list("code", "name"))
    assert len(regencies) == 10
    assert regencies["64.02"] == "Kabupaten Kutai Kartanegara"  # Kemendagri, not BPS
    assert regencies["64.07"] == "Kabupaten Kutai Barat"
    assert regencies["64.74"] == "Kota Bontang"
    assert Region.objects.filter(level=Level.DISTRICT).count() == 105
    assert Region.objects.filter(level=Level.VILLAGE).count() == 1038
    assert Region.objects.get(code="64.09.04").name == "Sepaku"  # IKN, under PPU
    assert Region.objects.get(code="64.07.12.2012").name == "Jambuk Makmur"  # stripped


def test_the_shipped_file_is_inside_the_project():
    root = Path(__file__).resolve().parents[2]
    assert SHIPPED_CSV.is_relative_to(root)
    assert (root / "regions" / "data" / "kaltim_kabkota.geojson").exists()
    assert (root / "regions" / "data" / "kaltim_kecamatan.geojson").exists()
    assert "cahyadsn/wilayah" in (root / "NOTICE.md").read_text()


def test_it_loads_a_small_tree_and_reports_counts(tmp_path):
    path = write(
        tmp_path,
        f"{NEW},Kecamatan Baru,district,64.72\n"
        f"{NEW}.1001,Kelurahan Satu,village,{NEW}\n"
        f"{NEW}.2002,Desa Dua,village,{NEW}\n",
    )
    output = run(path)
    assert "3 created, 0 updated, 0 unchanged" in output
    village = Region.objects.get(code=f"{NEW}.1001")
    assert village.parent.code == NEW
    assert village.is_kelurahan
    assert not Region.objects.get(code=f"{NEW}.2002").is_kelurahan
    assert village.regency_code == "64.72"


def test_running_twice_changes_nothing(tmp_path):
    path = write(tmp_path, f"{NEW},Kecamatan Baru,district,64.72\n")
    run(path)
    assert "0 created, 0 updated, 1 unchanged" in run(path)


def test_it_updates_a_renamed_region(tmp_path):
    output = run(write(tmp_path, "64.72.01,Palaran Baru,district,64.72\n"))
    assert "0 created, 1 updated, 0 unchanged" in output
    assert Region.objects.get(code="64.72.01").name == "Palaran Baru"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("64.72.1,Palaran,district,64.72\n", "line 2: code '64.72.1' does not have the shape"),
        ("64.72.01,Palaran,village,64.72\n", "does not have the shape of a village"),
        ("64.72.01,Palaran,kecamatan,64.72\n", "level 'kecamatan' is not one of"),
        ("64.72.01,Palaran,district,64.71\n", "parent_code '64.71' does not match"),
        ("64.72.19.1001,Somewhere,village,64.72.19\n", "parent 64.72.19 is neither in the file"),
        ("64.72.01,,district,64.72\n", "line 2: name is empty"),
        ("64.72.01,Palaran,district\n", "expected 4 columns"),
        # Full-width digits match \\d but are not a Kemendagri code.
        ("64.72.\uff10\uff11,Palaran,district,64.72\n", "does not have the shape"),
    ],
)
def test_an_invalid_row_names_the_line_and_changes_nothing(tmp_path, body, message):
    path = write(tmp_path, f"{NEW},Kecamatan Baru,district,64.72\n" + body)
    before = list(Region.objects.values_list("code", "name", "level", "parent_id"))
    with pytest.raises(CommandError) as error:
        run(path)
    assert message.replace("line 2", "line 3") in str(error.value)
    assert "Nothing was changed" in str(error.value)
    assert list(Region.objects.values_list("code", "name", "level", "parent_id")) == before


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_bytes(HEADER.encode() + "64.72.01,Palarán,district,64.72\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8") as error:
        run(path)
    assert "Nothing was changed" in str(error.value)
    assert Region.objects.get(code="64.72.01").name == "Palaran"


def test_a_duplicate_code_names_both_lines(tmp_path):
    path = write(tmp_path, "64.72.01,Palaran,district,64.72\n64.72.01,Palaran,district,64.72\n")
    with pytest.raises(CommandError, match="line 3: code 64.72.01 already appears on line 2"):
        run(path)


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("kode,nama\n64,Kaltim\n")
    with pytest.raises(CommandError, match="line 1: header must be"):
        run(path)


def test_descendants_of_a_kecamatan_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = list(Region.objects.descendants_of("64.72.10").values_list("code", flat=True))
    expected = [
        row.split(",")[0]
        for row in SHIPPED_CSV.read_text(encoding="utf-8").splitlines()
        if row.startswith("64.72.10.")
    ]
    assert codes == sorted(expected)
    assert len(codes) == 5  # the kelurahan of Loa Janan Ilir
    assert "64.72.01" not in codes


def test_it_loads_the_whole_shipped_file_idempotently():
    assert "0 created, 0 updated, 1154 unchanged" in run(SHIPPED_CSV)
    assert "0 created, 0 updated, 1154 unchanged" in call_default()


def call_default() -> str:
    """`manage.py load_regions` without a path loads the shipped tree."""
    out = StringIO()
    call_command("load_regions", stdout=out)
    return out.getvalue()


def test_no_code_reads_the_development_folder_beside_the_clone():
    """A user's clone has no ../shared: nothing that runs may read it."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    tracked = subprocess.run(
        ["git", "ls-files", "*.py", "Makefile", ".ci/run", "Dockerfile", "docker-compose.yml"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    this = Path(__file__).resolve().relative_to(root).as_posix()
    readers = [
        name
        for name in tracked
        if name != this
        and any(
            needle in (root / name).read_text(encoding="utf-8")
            for needle in ("shared/data", '"shared" / "data"', '/ "shared"')
        )
    ]
    assert readers == []
