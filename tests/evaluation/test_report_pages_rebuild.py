"""Stewards rebuild learning reports and watch the build; nobody else may, or even see a build."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from capacity.models import Region
from evaluation.models import ReportBuild
from tests.evaluation.factories_reports import ReportBuildFactory, figure
from tests.factories import OrganizationFactory

REBUILD = "/en/reports/rebuild/"


def test_a_steward_rebuilds_the_movement_report_and_lands_on_its_progress(client, steward):
    client.force_login(steward)
    response = client.post(reverse("learning:rebuild"), {"scope": "movement", "scope_key": ""})
    build = ReportBuild.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("learning:build", args=[build.pk])
    assert (build.scope, build.scope_key, build.status, build.requested_by) == ("movement", "", "queued", steward)


def test_a_steward_rebuilds_every_report_or_one_region(client, steward):
    client.force_login(steward)
    client.post(REBUILD, {"scope": "all", "scope_key": ""})
    region = Region.objects.first()
    client.post(REBUILD, {"scope": "region", "scope_key": region.slug})
    assert sorted(ReportBuild.objects.values_list("scope", "scope_key")) == [("", ""), ("region", region.slug)]


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "region", "scope_key": "no-such-region"},
        {"scope": "region", "scope_key": ""},
        {"scope": "movement", "scope_key": "everything"},
        {"scope": "<script>", "scope_key": "x"},
        {"scope": "method", "scope_key": "x" * 500},
        {"scope": "organization", "scope_key": "' OR 1=1 --"},
        {},
        {"scope": "", "scope_key": ""},
        {"scope": "all", "scope_key": "x"},
    ],
)
def test_a_rebuild_of_nothing_is_refused_with_a_message_and_builds_nothing(client, steward, data):
    client.force_login(steward)
    response = client.post(REBUILD, data)
    assert response.status_code == 302 and response["Location"] == reverse("learning:index")
    assert [str(m) for m in get_messages(response.wsgi_request)]
    assert not ReportBuild.objects.exists()


@pytest.mark.parametrize("persona", ["volunteer", "staff", "other_staff", "funder"])
def test_nobody_but_a_steward_may_rebuild(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(REBUILD, {"scope": "movement", "scope_key": ""}).status_code == 403
    assert not ReportBuild.objects.exists()


def test_an_anonymous_rebuild_is_sent_to_log_in(client, db):
    response = client.post(REBUILD, {"scope": "movement", "scope_key": ""})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ReportBuild.objects.exists()


def test_rebuild_only_takes_a_post(client, steward):
    assert client.get(REBUILD).status_code == 405
    client.force_login(steward)
    assert client.get(REBUILD).status_code == 405
    assert not ReportBuild.objects.exists()


def test_a_running_build_shows_its_progress_and_reloads_itself(client, steward):
    build = ReportBuildFactory(
        status="running", scope="movement", steps_done=3, steps_total=8, started_at=timezone.now(), requested_by=steward
    )
    client.force_login(steward)
    html = client.get(reverse("learning:build", args=[build.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert '<progress id="build-progress" max="8" value="3">' in html and "3 of 8 steps done" in html
    assert "Running" in html and "Read the report" not in html


def test_a_finished_build_links_to_its_report_and_stops_reloading(client, steward):
    build = ReportBuildFactory(
        status="done", scope="movement", steps_done=8, steps_total=8, finished_at=timezone.now(), measurements=12345
    )
    client.force_login(steward)
    html = client.get(reverse("learning:build", args=[build.pk])).content.decode()
    assert "http-equiv" not in html
    assert reverse("learning:scope", kwargs={"scope": "movement", "key": "all"}) in html
    assert "12,345" in html


def test_a_failed_build_says_why(client, steward):
    build = ReportBuildFactory(status="failed", error="Worker lost", finished_at=timezone.now())
    client.force_login(steward)
    html = client.get(reverse("learning:build", args=[build.pk])).content.decode()
    assert "The build failed: Worker lost" in html and "http-equiv" not in html


@pytest.mark.parametrize("persona", ["volunteer", "staff", "other_staff", "funder"])
def test_builds_are_for_stewards_only(client, db, request, persona):
    build = ReportBuildFactory()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("learning:build", args=[build.pk])).status_code == 404


def test_a_build_id_past_any_database_is_not_found(client, steward):
    client.force_login(steward)
    assert client.get(f"/en/reports/builds/{10**30}/").status_code == 404
    assert client.get("/en/reports/builds/424242/").status_code == 404


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example","Click")', "+1+2", "-2+3", "@SUM(A1)", "Chapter;=1+1"],
)
def test_organization_names_cannot_become_formulas_in_the_csv(client, db, name):
    organization = OrganizationFactory(slug="tricky", name=name)
    figure("participants", 40, scope="organization", scope_key=organization.slug)
    response = client.get(reverse("learning:csv", kwargs={"scope": "organization", "key": "tricky", "period": "2026"}))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == "'" + name if name[0] in "=+-@" else rows[1][2] != name
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell
            assert not (cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()), cell
