import pytest

from conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_logs_in_and_sees_the_home_page(page, alice):
    login(page, "alice")
    assert page.get_by_test_id("user-name").inner_text() == alice.display_name
    assert "Dinas Sosial Kota Samarinda" in page.content()
    assert page.locator("h1").inner_text().startswith("Selamat datang")
