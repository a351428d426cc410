"""The report pages on rows the real builder wrote (evaluation.reports.year_replace), not hand-made ones.

A small region and a small organization (3 people, 777.77 hours) must be hidden
everywhere the pages and downloads go; the rest of the movement reads normally.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from capacity.models import Region
from evaluation.models import Indicator, Measurement, ReportRow
from evaluation.reports import year_replace
from stakeholders.models import Organization
from tests.factories import OrganizationFactory

SECRETS = ("777.77", "777,77", "٧٧٧")


@pytest.fixture
def built(db):
    big, small = Region.objects.filter(is_emerging=False)[:1].get(), Region.objects.filter(is_emerging=True)[:1].get()
    chapter = OrganizationFactory(slug="big-chapter", region=big)
    tiny = OrganizationFactory(slug="tiny-group", name="Tiny group", region=small)
    participants = Indicator.objects.get(code="participants")
    hours = Indicator.objects.get(code="hours_of_learning")
    gain = Indicator.objects.get(code="capacity_gain")
    source_id = 0

    def measure(indicator, value, people, organization, region, method, when):
        nonlocal source_id
        source_id += 1
        Measurement.objects.create(
            indicator=indicator,
            value=Decimal(value),
            people=people,
            date=when,
            source="activity_report" if indicator != gain else "survey_response",
            source_id=source_id,
            organization=organization,
            region=region,
            is_emerging=region.is_emerging,
            method=method,
        )

    for month in range(1, 13):
        when = date(2026, month, 10)
        measure(participants, 20, 20, chapter, big, "workshop", when)
        measure(hours, "40", 20, chapter, big, "workshop", when)
    measure(participants, 3, 3, tiny, small, "mentoring", date(2026, 5, 5))
    measure(hours, "777.77", 3, tiny, small, "mentoring", date(2026, 5, 5))
    for number in range(30):
        measure(gain, 1 + number % 2, 1, chapter, big, "workshop", date(2026, 2 + number % 9, 1))
    year_replace(2026)
    return {"big": big, "small": small, "tiny": tiny}


def _workshop_participants(people, *, on, region, source_id, organization=None):
    """One more activity report's participants (the big chapter's unless another is given), as the sync measures them."""
    Measurement.objects.create(
        indicator=Indicator.objects.get(code="participants"),
        value=Decimal(people),
        people=people,
        date=on,
        source="activity_report",
        source_id=source_id,
        organization=organization or Organization.objects.get(slug="big-chapter"),
        region=region,
        is_emerging=False,
        method="workshop",
    )


def _texts(client, scope, key):
    page = client.get(reverse("learning:scope", kwargs={"scope": scope, "key": key}))
    csv_response = client.get(reverse("learning:csv", kwargs={"scope": scope, "key": key, "period": "2026"}))
    json_response = client.get(reverse("learning:json", kwargs={"scope": scope, "key": key, "period": "2026"}))
    assert page.status_code == csv_response.status_code == json_response.status_code == 200
    return page.content.decode(), b"".join(csv_response.streaming_content).decode(), json_response.content.decode()


def test_the_builders_rows_read_as_a_report_and_hide_the_small_groups(client, built):
    assert ReportRow.objects.filter(scope="movement", period="2026", shown=False).exists()
    html, csv_text, document = _texts(client, "movement", "all")
    assert "Outputs, short term" in html and "Trends over periods" in html
    assert "What works" in html and "Workshop" in html
    for text in (html, csv_text, document):
        for secret in SECRETS:
            assert secret not in text
    for row in json.loads(document)["rows"]:
        if row["suppressed"]:
            assert row["n"] is None and row["value"] is None


@pytest.mark.parametrize("which", ["region", "organization"])
def test_a_small_regions_and_a_small_organizations_reports_show_nothing_of_them(client, built, which):
    key = built["small"].slug if which == "region" else built["tiny"].slug
    html, csv_text, document = _texts(client, which, key)
    for text in (html, csv_text, document):
        for secret in SECRETS:
            assert secret not in text
    rows = json.loads(document)["rows"]
    assert rows and all(row["suppressed"] for row in rows if row["breakdown"] == "")
    assert "Not shown" in html


def _page(client, language="en"):
    with translation.override(language):
        path = reverse("learning:scope", kwargs={"scope": "movement", "key": "all"})
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_rendered_report_is_kept_and_a_rebuild_shows_its_figures_at_once(client, built):
    with CaptureQueriesContext(connection) as first:
        assert "from 56 measurements" in _page(client)
    with CaptureQueriesContext(connection) as again:
        assert "from 56 measurements" in _page(client)
    # Kept: the report's rows are not read a second time.
    assert len(again) < len(first)
    assert not [query for query in again.captured_queries if '"evaluation_reportrow"."n"' in query["sql"]]

    _workshop_participants(30, on=date(2026, 11, 11), region=built["big"], source_id=999)
    year_replace(2026)
    assert "from 57 measurements" in _page(client)


def test_a_kept_report_is_kept_per_language(client, built):
    english = _page(client)
    korean = _page(client, "ko")
    heading = "Outputs and outcomes, short and long term"
    assert heading in english and heading not in korean
    with translation.override("ko"):
        assert translation.gettext(heading) in korean


def _index(client):
    response = client.get(reverse("learning:index"))
    assert response.status_code == 200
    return response.content.decode()


def _reads_the_list(queries):
    """The index's one query of what was built: the few rows each year's build keeps (ReportBuilt)."""
    return [query for query in queries.captured_queries if '"evaluation_reportbuilt"' in query["sql"]]


def _reads_report_rows(queries):
    """Any read of the report rows themselves (4.4 million at movement scale)."""
    return [query for query in queries.captured_queries if '"evaluation_reportrow"' in query["sql"]]


def test_the_list_of_reports_is_kept_and_a_build_shows_in_it_at_once(client, built):
    with CaptureQueriesContext(connection) as first:
        assert "Tiny group" in _index(client)
    with CaptureQueriesContext(connection) as again:
        assert "Tiny group" in _index(client)
    assert len(_reads_the_list(first)) == 1
    assert not _reads_report_rows(first)  # the list, never the rows grouped
    # Kept: the list is not read again for the next reader, nor for one in another language and zone.
    assert not _reads_the_list(again) and not _reads_report_rows(again)
    client.cookies["tz"] = "Asia/Seoul"
    with translation.override("ko"), CaptureQueriesContext(connection) as korean:
        response = client.get(reverse("learning:index"), HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200 and 'lang="ko"' in response.content.decode()
    assert not _reads_the_list(korean)
    del client.cookies["tz"]

    newcomer = OrganizationFactory(slug="new-chapter", name="New chapter", region=built["big"])
    _workshop_participants(40, on=date(2026, 11, 11), organization=newcomer, region=built["big"], source_id=9999)
    assert "New chapter" not in _index(client)  # not built yet
    year_replace(2026)
    with CaptureQueriesContext(connection) as rebuilt:
        assert "New chapter" in _index(client)
    assert len(_reads_the_list(rebuilt)) == 1 and not _reads_report_rows(rebuilt)


def _periods_read(queries):
    """The query of a report's periods: every row of the report, DISTINCT."""
    return [
        query
        for query in queries.captured_queries
        if "DISTINCT" in query["sql"] and '"evaluation_reportrow"."period"' in query["sql"]
    ]


def test_a_report_s_periods_are_kept_and_a_build_shows_a_new_year_at_once(client, built):
    url = reverse("learning:scope", kwargs={"scope": "movement", "key": "all"})
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as again:
        html = client.get(url + "?period=2026-Q2").content.decode()
    assert len(_periods_read(first)) == 1
    assert not _periods_read(again)  # kept: another period of the same report reads them no more
    assert 'value="2025"' not in html

    _workshop_participants(40, on=date(2025, 6, 1), region=built["big"], source_id=8888)
    year_replace(2025)
    with CaptureQueriesContext(connection) as rebuilt:
        html = client.get(url).content.decode()
    assert len(_periods_read(rebuilt)) == 1 and 'value="2025"' in html


def test_a_key_with_no_report_keeps_nothing(client, built):
    url = reverse("learning:scope", kwargs={"scope": "organization", "key": "nobody-here"})
    for _ in range(2):
        with CaptureQueriesContext(connection) as asked:
            assert client.get(url).status_code == 404
        assert len(_periods_read(asked)) == 1  # asked again, not kept
