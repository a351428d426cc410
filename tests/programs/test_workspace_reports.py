"""The organization's sessions that have ended, each with its report or a reminder that it is missing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from programs import services
from programs.models import DASHBOARD_FIGURES
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = "/en/workspace/wiki-learning-hub/reports/"


def ended_session(program, *, days_ago, **fields):
    start = timezone.now() - timedelta(days=days_ago)
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2), **fields)


@pytest.fixture
def sessions(program):
    reported = ended_session(program, days_ago=3, dashboard_course="Hub/Editathon_(2026)")
    services.report_save(
        session=reported, values={"participants": 14, "newcomers": 5, "hours_of_learning": Decimal("28")}
    )
    missing = ended_session(program, days_ago=10)
    ended_session(program, days_ago=5, is_cancelled=True)
    SessionFactory(program=program)  # still to come
    ended_session(ProgramFactory(), days_ago=2)  # another organization's
    return reported, missing


def table_body(page):
    return page[page.index("<tbody") : page.index("</tbody>")]


def session_links(page):
    return page.count('href="/en/workspace/sessions/')


def test_staff_see_every_ended_session_with_its_report_latest_first(client, staff, sessions):
    reported, missing = sessions
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert session_links(page) == 2
    assert page.index(f"/workspace/sessions/{reported.pk}/report/") < page.index(
        f"/workspace/sessions/{missing.pk}/report/"
    )
    assert "Report missing" in page and ">14<" in page and ">28.0<" in page
    assert "All (2)" in page and "Report missing (1)" in page and "Reported (1)" in page


@pytest.mark.parametrize(("state", "shown"), [("missing", 1), ("reported", 1), ("nonsense", 2)])
def test_the_list_filters_by_report_state(client, staff, sessions, state, shown):
    reported, missing = sessions
    client.force_login(staff)
    page = client.get(URL, {"state": state}).content.decode()
    assert session_links(page) == shown
    if state == "missing":
        assert f"/sessions/{missing.pk}/report/" in page and f"/sessions/{reported.pk}/report/" not in page


def write_report(how, session, *, values, dashboard_figure, by):
    """Give the session report figures through one of the three services that write reports.

    "form" and "import" write `values`; "dashboard" fills every Dashboard figure with
    `dashboard_figure` (linking the session to a course first when it has none).
    """
    if how == "form":
        services.report_save(session=session, values=values, by=by)
    elif how == "import":
        services.reports_import_apply(reports=[(session, values)], by=by)
    else:
        if not session.dashboard_course:
            session.dashboard_course = "Hub/Course"
            session.save(update_fields=["dashboard_course"])
        course = {
            "course_slug": session.dashboard_course,
            **dict.fromkeys(DASHBOARD_FIGURES.values(), dashboard_figure),
        }
        services.dashboard_figures_apply(session=session, course=course, by=by)


@pytest.mark.parametrize("how", ["form", "import", "dashboard"])
def test_the_counts_kept_for_a_minute_move_as_soon_as_a_report_is_written(client, staff, sessions, how):
    """The counts are cached; every service that gives a session its report makes them count again."""
    _reported, missing = sessions
    client.force_login(staff)
    assert "Report missing (1)" in client.get(URL).content.decode()
    write_report(how, missing, values={"participants": 3}, dashboard_figure=1, by=staff)
    page = client.get(URL).content.decode()
    assert "Report missing (0)" in page and "Reported (2)" in page
    # The rows are kept too, and move with the counts: the session's row says it is reported.
    assert 'state-draft">Report missing<' not in page


def test_a_session_that_ends_is_counted_and_listed_from_the_same_minute(client, staff, program, sessions):
    """Counts and list share one moment on the minute: both leave out a session that has just ended."""
    client.force_login(staff)
    just_ended = timezone.now().replace(second=0, microsecond=0) + timedelta(seconds=1)
    SessionFactory(program=program, starts_at=just_ended - timedelta(hours=1), ends_at=just_ended)
    page = client.get(URL).content.decode()
    assert "All (2)" in page and session_links(page) == 2


def test_an_organization_with_nothing_ended_says_when_reports_are_written(client, staff, organization):
    client.force_login(staff)
    assert "Reports are written once a session is over" in client.get(URL).content.decode()


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_people_who_do_not_run_the_organization_are_refused(client, persona, request, sessions):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_anonymous_people_are_sent_to_log_in(client, sessions):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_a_bad_page_number_shows_the_last_page(client, staff, sessions):
    client.force_login(staff)
    assert client.get(URL, {"page": "999999999999999999999"}).status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(client, staff, program, django_assert_max_num_queries):
    client.force_login(staff)
    queries = {}
    made = 0
    for count in (3, 40):
        for days_ago in range(made + 1, count + 1):
            session = ended_session(program, days_ago=days_ago)
            if days_ago % 2:
                services.report_save(session=session, values={"participants": 3})
        made = count
        with django_assert_max_num_queries(10) as captured:
            assert client.get(URL).status_code == 200
        queries[count] = len(captured)
    assert queries[3] == queries[40], queries


def test_a_kept_row_is_not_read_or_rendered_again(client, staff, sessions, monkeypatch):
    from programs import selectors

    client.force_login(staff)
    first = table_body(client.get(URL).content.decode())
    asked = []
    original = selectors.workspace_report_rows
    monkeypatch.setattr(
        selectors,
        "workspace_report_rows",
        lambda *, session_ids: asked.append(session_ids) or original(session_ids=session_ids),
    )
    assert table_body(client.get(URL).content.decode()) == first
    assert asked == []


def test_a_renamed_program_shows_its_new_title_in_the_rows_at_once(client, staff, program, sessions):
    client.force_login(staff)
    assert program.title in client.get(URL).content.decode()
    program.title_en = "Editathon renamed"
    services.program_save(program=program)
    assert "Editathon renamed" in client.get(URL).content.decode()


def test_the_rows_are_kept_per_language(client, staff, sessions):
    client.force_login(staff)
    assert 'state-draft">Report missing<' in client.get(URL).content.decode()
    korean = client.get(URL.replace("/en/", "/ko/")).content.decode()
    assert 'state-draft">Report missing<' not in korean and 'lang="ko"' in korean


@pytest.mark.parametrize("how", ["form", "import", "dashboard"])
def test_a_report_changed_shows_its_new_figures_in_the_kept_rows_at_once(client, staff, sessions, how):
    reported, _missing = sessions
    client.force_login(staff)
    assert ">14<" in client.get(URL).content.decode()
    write_report(how, reported, values={"participants": 41, "hours_of_learning": 28}, dashboard_figure=7, by=staff)
    shown = "7 editors" if how == "dashboard" else ">41<"
    assert shown in client.get(URL).content.decode()


def test_while_one_request_counts_a_new_minute_the_others_show_the_minute_before_whole(
    client, staff, program, sessions, organization, monkeypatch
):
    """Counts and list stay one moment: the minute before, while another request counts this one."""
    from django.core.cache import cache

    from capacity import fragments
    from programs import selectors

    minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    before = minute - timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: minute + timedelta(seconds=20))
    # A session that ended within the minute before this one: counted and listed from `minute`.
    ended = before + timedelta(seconds=30)
    SessionFactory(program=program, starts_at=ended - timedelta(hours=1), ends_at=ended)
    client.force_login(staff)
    kept, at = selectors.cached_workspace_report_counts(organization=organization, now=before)
    assert at == before and kept["missing"] + kept["reported"] == 2
    # Another request is counting this minute (its marker is set) …
    key = selectors._cache_key("report-counts", [organization.pk, minute.isoformat()], fragments.content_version())
    cache.add(f"{key}:counting", True, 30)
    page = client.get(URL).content.decode()
    # … so this one shows the minute before, counts and list alike: the session is in neither yet.
    assert "All (2)" in page and session_links(page) == 2
    cache.delete(f"{key}:counting")
    page = client.get(URL).content.decode()
    assert "All (3)" in page and session_links(page) == 3


def test_without_the_minute_before_kept_the_waiting_request_counts_for_itself(organization, sessions):
    from django.core.cache import cache

    from capacity import fragments
    from programs import selectors

    minute = timezone.now().replace(second=0, microsecond=0)
    key = selectors._cache_key("report-counts", [organization.pk, minute.isoformat()], fragments.content_version())
    cache.add(f"{key}:counting", True, 30)
    counts, at = selectors.cached_workspace_report_counts(organization=organization, now=minute)
    assert at == minute
    assert counts == selectors.workspace_report_counts(organization=organization, now=minute)
