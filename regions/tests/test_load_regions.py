from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from regions.models import Level, Region

pytestmark = pytest.mark.django_db

SHARED_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "regions_kaltim.csv"
HEADER = "code,name,level,parent_code\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def run(path: Path) -> str:
    out = StringIO()
    call_command("load_regions", str(path), stdout=out)
    return out.getvalue()


def test_the_province_and_ten_regencies_ship_with_the_migrations():
    assert Region.objects.get(code="64").level == Level.PROVINCE
    regencies = dict(Region.objects.regencies().values_list("code", "name"))
    assert len(regencies) == 10
    assert regencies["64.02"] == "Kabupaten Kutai Kartanegara"  # Kemendagri, not BPS
    assert regencies["64.07"] == "Kabupaten Kutai Barat"
    assert regencies["64.74"] == "Kota Bontang"


def test_it_loads_a_small_tree_and_reports_counts(tmp_path):
    path = write(
        tmp_path,
        "64.72.01,Palaran,district,64.72\n"
        "64.72.01.1001,Rawa Makmur,village,64.72.01\n"
        "64.72.01.1002,Handil Bakti,village,64.72.01\n",
    )
    output = run(path)
    assert "3 created, 0 updated, 0 unchanged" in output
    village = Region.objects.get(code="64.72.01.1001")
    assert village.parent.code == "64.72.01"
    assert village.is_kelurahan
    assert village.regency_code == "64.72"


def test_running_twice_changes_nothing(tmp_path):
    path = write(tmp_path, "64.72.01,Palaran,district,64.72\n")
    run(path)
    assert "0 created, 0 updated, 1 unchanged" in run(path)


def test_it_updates_a_renamed_region(tmp_path):
    run(write(tmp_path, "64.72.01,Palaran,district,64.72\n"))
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
        ("64.72.09.1001,Somewhere,village,64.72.09\n", "parent 64.72.09 is neither in the file"),
        ("64.72.01,,district,64.72\n", "line 2: name is empty"),
        ("64.72.01,Palaran,district\n", "expected 4 columns"),
        # Full-width digits match \\d but are not a Kemendagri code.
        ("64.72.\uff10\uff11,Palaran,district,64.72\n", "does not have the shape"),
    ],
)
def test_an_invalid_row_names_the_line_and_changes_nothing(tmp_path, body, message):
    path = write(
        tmp_path, "64.72.02,Samarinda Seberang,district,64.72\n" + body.replace("line 2", "line 3")
    )
    before = Region.objects.count()
    with pytest.raises(CommandError) as error:
        run(path)
    assert message.replace("line 2", "line 3") in str(error.value)
    assert "Nothing was changed" in str(error.value)
    assert Region.objects.count() == before


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_bytes(HEADER.encode() + "64.72.01,Palarán,district,64.72\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8") as error:
        run(path)
    assert "Nothing was changed" in str(error.value)


def test_a_duplicate_code_names_both_lines(tmp_path):
    path = write(tmp_path, "64.72.01,Palaran,district,64.72\n64.72.01,Palaran,district,64.72\n")
    with pytest.raises(CommandError, match="line 3: code 64.72.01 already appears on line 2"):
        run(path)


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("kode,nama\n64,Kaltim\n")
    with pytest.raises(CommandError, match="line 1: header must be"):
        run(path)


def test_descendants_of_a_regency_is_one_query(tmp_path, django_assert_num_queries):
    run(
        write(
            tmp_path,
            "64.72.01,Palaran,district,64.72\n64.72.01.1001,Rawa Makmur,village,"
            "64.72.01\n64.71.01,Balikpapan Timur,district,64.71\n",
        )
    )
    with django_assert_num_queries(1):
        codes = list(Region.objects.descendants_of("64.72").values_list("code", flat=True))
    assert codes == ["64.72.01", "64.72.01.1001"]


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared/data/regions_kaltim.csv not present")
def test_it_loads_the_whole_shared_kaltim_file_idempotently():
    output = run(SHARED_CSV)
    assert "1143 created" in output  # the province and regencies already ship
    assert Region.objects.filter(level=Level.DISTRICT).count() == 105
    assert Region.objects.filter(level=Level.VILLAGE).count() == 1038
    assert Region.objects.get(code="64.09.04").name == "Sepaku"
    assert "0 created, 0 updated, 1154 unchanged" in run(SHARED_CSV)
