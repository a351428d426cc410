"""A profile form with an id no database can hold is refused with a form error, not a 500."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HUGE = "999999999999999999999999999999"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["languages", "home_region"])
def test_an_out_of_range_choice_is_a_form_error_and_nothing_changes(client, volunteer, field):
    client.force_login(volunteer)
    response = client.post(
        "/en/me/profile/",
        {"display_name": "Changed", "time_zone": "UTC", "preferred_language": "en", field: HUGE},
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.display_name != "Changed"


@pytest.mark.django_db
def test_languages_and_region_are_chosen_by_code_and_slug(client, volunteer):
    client.force_login(volunteer)
    html = client.get("/en/me/profile/").content.decode()
    assert '<option value="ko"' in html
    assert '<option value="south-asia"' in html


def test_the_same_holds_on_sqlite_the_embedded_default(tmp_path):
    # The OverflowError came from SQLite (PostgreSQL compares the number as a numeric
    # and finds no row), so these tests run again on it, in a process of their own.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-n0", "-p", "no:cacheprovider", "-k", "not sqlite"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 passed" in result.stdout
