"""Evaluation's pages under attack: outsiders, other organizations' staff, hostile input, a dead broker, double submits.

Every new page (learning reports and their downloads, rebuilds and their progress,
practices, surveys, self-assessment) is probed with other people's ids, tokens and
slugs, hostile text, absurd numbers, repeated parameters, wrong methods and requests
without a CSRF token; none may answer 500, leak a hidden figure or change anything.
"""

import csv
import io
import json
import signal
import socket
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capacity.celery import app
from capacity.models import CapacityCategory, Region
from evaluation.models import (
    Practice,
    ReportBuild,
    SelfAssessment,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from programs.models import Enrollment
from tests.evaluation.factories_reports import figure, hidden, movement_report
from tests.evaluation.test_practices import make_practice
from tests.factories import OrganizationFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# The distinctive sums and n the hidden rows of factories_reports carry.
HIDDEN_NUMBERS = ("777.77", "777,77", "4242.42", "4,242.42", "555.55", "888.88")

HOSTILE_TEXTS = [
    "<script>alert(1)</script>",
    "\u202eevil\u202c",
    "nul\x00byte",
    "line\r\nbreak",
    "x" * 100_000,
    "😀🎉",
    "' OR 1=1 --",
    "%' OR '%'='",
    ".*[(",
    "\\",
    '=HYPERLINK("http://evil")',
    "9" * 40,
    "-1",
    "1.5",
    "",
    " ",
]
HOSTILE_PAGES = ["99999999999999999999", "-1", "0", "1.5", "abc", "\x00", "9" * 400]
HOSTILE_PERIODS = ["2026-Q5", "0000", "99999", "2026\x00", "2026-Q1 ", "-2026", "2026.0", "<b>", "9" * 400, "2026-q1"]


def client_for(user=None, **kwargs):
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def report():
    return movement_report(built_at=timezone.now())


# --- learning reports: query parameters and addresses ---------------------------------------


@pytest.mark.parametrize("value", HOSTILE_TEXTS + HOSTILE_PERIODS)
def test_a_hostile_period_is_not_found_never_a_server_error(client, report, value):
    response = client.get("/en/reports/movement/all/", {"period": value})
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "query",
    [
        "period=2026&period=2025",
        "period=2025&period=2026",
        "period[]=2026",
        "period=2026&raw=1",
        "period=2026&shown=0",
        "period=2026&measurements=1",
        "period=2026&scope=organization",
        "period=2026&format=json",
        "period=2026&page=99999999999999999999",
        "period=2026&debug=1&n=1",
    ],
)
def test_no_query_parameter_opens_hidden_rows(client, report, query):
    response = client.get(f"/en/reports/movement/all/?{query}")
    assert response.status_code in (200, 404)
    page = response.content.decode()
    for number in HIDDEN_NUMBERS:
        assert number not in page


@pytest.mark.parametrize(
    "path",
    [
        "/en/reports/nothing/all/",
        "/en/reports/movement/everything/",
        "/en/reports/region/atlantis/",
        "/en/reports/organization/no-such-org/",
        "/en/reports/method/teleportation/",
        "/en/reports/movement/all/2026-Q9.csv",
        "/en/reports/movement/all/..%2F..%2Fetc%2Fpasswd.csv",
        "/en/reports/movement/all/2026%00.csv",
        "/en/reports/movement/all/%3Cscript%3E.json",
        "/en/reports/movement/all/" + "9" * 300 + ".json",
        "/en/reports/movement/all/1999.csv",
        "/en/reports/builds/99999999999999999999/",
        "/en/reports/builds/9223372036854775808/",
        "/en/reports/builds/-1/",
        "/en/reports/builds/abc/",
    ],
)
@pytest.mark.parametrize("persona", [None, "volunteer", "steward"])
def test_addresses_of_nothing_are_not_found(request, report, path, persona):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(path)
    assert response.status_code in (302, 404)


def _page_csv_json(client, scope="movement", key="all", period="2026"):
    page = client.get(f"/en/reports/{scope}/{key}/", {"period": period})
    csv_file = client.get(f"/en/reports/{scope}/{key}/{period}.csv")
    json_file = client.get(f"/en/reports/{scope}/{key}/{period}.json")
    assert (page.status_code, csv_file.status_code, json_file.status_code) == (200, 200, 200)
    return page.content.decode(), b"".join(csv_file.streaming_content).decode("utf-8-sig"), json_file.json()


def test_a_period_with_only_hidden_rows_says_nothing_of_their_size(client, organization):
    # A small organization: only survey outcomes, each hidden (n=4 answers, one measurement each).
    at = {"scope": "organization", "scope_key": organization.slug, "period": "2026", "built_at": timezone.now()}
    hidden("satisfaction", n=4, measurements=4, **at)
    hidden("retention_3m", n=3, measurements=3, **at)
    page, csv_text, document = _page_csv_json(client, "organization", organization.slug)
    # "Built from 7 measurements" would give away the hidden rows' n (4 + 3): one answer each.
    assert document["measurements"] == 0
    assert all(row["n"] is None and row["value"] is None and row["suppressed"] for row in document["rows"])
    assert "from 7 measurements" not in page and "7 measurements" not in page
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows and all(row["n"] == "" and row["value"] == "" for row in rows)
    for text in (page, csv_text, json.dumps(document)):
        for number in HIDDEN_NUMBERS:
            assert number not in text


def test_the_measurement_count_adds_only_published_rows(client, report):
    _page, _csv, document = _page_csv_json(client)
    # movement_report: published totals of 2026 read 40+40+40+60+50+6 measurements; the hidden newcomers row 4.
    assert document["measurements"] == 236


def test_organization_and_region_names_cannot_become_formulas_in_the_csv(client):
    organization = OrganizationFactory(slug="formula-org", name='=HYPERLINK("http://evil.example","x")')
    region = Region.objects.order_by("slug").first()
    Region.objects.filter(pk=region.pk).update(name_en="@SUM(A1:A9)")
    at = {"scope": "organization", "scope_key": organization.slug, "built_at": timezone.now()}
    figure("participants", 40, n=40, **at)
    figure("participants", 40, n=40, breakdown="region", breakdown_key=region.slug, **at)
    response = client.get(f"/en/reports/organization/{organization.slug}/2026.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                pytest.fail(f"a cell starts with a minus: {cell}")
    assert "'=HYPERLINK" in text


def test_downloads_and_pages_escape_a_hostile_organization_name(client):
    organization = OrganizationFactory(slug="hostile-org", name="<script>alert(1)</script>\u202e")
    figure("participants", 40, n=40, scope="organization", scope_key=organization.slug, built_at=timezone.now())
    page = client.get(f"/en/reports/organization/{organization.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    document = client.get(f"/en/reports/organization/{organization.slug}/2026.json").json()
    assert document["scope_name"].startswith("<script>")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize(
    "path",
    [
        "/en/reports/",
        "/en/reports/movement/all/",
        "/en/reports/movement/all/2026.csv",
        "/en/reports/movement/all/2026.json",
    ],
)
def test_report_pages_take_only_get(report, steward, method, path):
    assert getattr(client_for(steward), method)(path).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/en/reports/",
        "/en/reports/movement/all/",
        "/en/reports/movement/all/2026.json",
        "/en/reports/movement/all/2026.csv",
        "/en/practices/",
        "/en/practices/mine/",
        "/en/practices/new/",
        "/en/surveys/",
        "/en/assessment/",
    ],
)
def test_head_answers_like_get_on_every_page_that_reads(report, staff, path):
    # Link checkers and some browsers ask HEAD first; it was 405 on every page that took only GET.
    client = client_for(staff)
    assert client.head(path).status_code == client.get(path).status_code == 200


# --- rebuilds: methods, CSRF, double submits, a dead broker ---------------------------------

REBUILD = "/en/reports/rebuild/"


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "head"])
def test_rebuild_takes_only_post(steward, method):
    assert getattr(client_for(steward), method)(REBUILD).status_code == 405
    assert not ReportBuild.objects.exists()


def test_a_rebuild_without_a_csrf_token_is_refused(steward):
    client = client_for(steward, enforce_csrf_checks=True)
    assert client.post(REBUILD, {"scope": "movement", "scope_key": ""}).status_code == 403
    assert not ReportBuild.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "movement", "scope_key": "\x00"},
        {"scope": "region", "scope_key": "south-asia\x00"},
        {"scope": "region", "scope_key": "south-asia\r\n"},
        {"scope": ["movement", "region"], "scope_key": ""},
        {"scope": "movement", "scope_key": ["", "x"]},
        {"scope": "organization", "scope_key": "%"},
        {"scope": "region", "scope_key": "x" * 100_000},
        {"scope": "method", "scope_key": "\u202eworkshop"},
        {"scope": "MOVEMENT", "scope_key": ""},
    ],
)
def test_a_hostile_rebuild_never_fails_the_server(steward, data):
    response = client_for(steward).post(REBUILD, data)
    assert response.status_code == 302
    assert ReportBuild.objects.count() <= 1


def test_a_double_click_on_rebuild_queues_one_build(steward, django_capture_on_commit_callbacks):
    client = client_for(steward)
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(REBUILD, {"scope": "movement", "scope_key": ""})
        second = client.post(REBUILD, {"scope": "movement", "scope_key": ""})
    assert ReportBuild.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("learning:build", args=[ReportBuild.objects.get().pk])


def test_a_rebuild_of_another_report_is_its_own_build(steward, django_capture_on_commit_callbacks):
    client = client_for(steward)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(REBUILD, {"scope": "movement", "scope_key": ""})
        client.post(REBUILD, {"scope": "region", "scope_key": "south-asia"})
    assert ReportBuild.objects.count() == 2


def test_a_rebuild_after_the_last_one_finished_queues_again(steward, django_capture_on_commit_callbacks):
    client = client_for(steward)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(REBUILD, {"scope": "movement", "scope_key": ""})
        ReportBuild.objects.update(status=ReportBuild.Status.DONE)
        client.post(REBUILD, {"scope": "movement", "scope_key": ""})
    assert ReportBuild.objects.count() == 2


# Nothing listens here: publishing a task fails at once, as with Redis down.
CLOSED_BROKER_URL = "redis://127.0.0.1:6392/0"


def forget_broker_connections():
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def not_eager():
    """The app's own flag too: a worker fixture earlier in the run may have set it to True."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def broker_down(settings, monkeypatch):
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 6392)) != 0, "something listens on port 6392"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    forget_broker_connections()
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_BROKER_URL)
    with not_eager():
        yield
    monkeypatch.undo()
    forget_broker_connections()


@pytest.fixture
def broker_hanging(settings, monkeypatch):
    """A broker that accepts connections and never answers: the slow way to be down."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        forget_broker_connections()
        monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{server.getsockname()[1]}/0")
        with not_eager():
            yield
        monkeypatch.undo()
        forget_broker_connections()


def _rebuild_within(client, seconds):
    def hung(signum, frame):
        raise TimeoutError(f"the rebuild waited on the broker for {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        started = time.perf_counter()
        response = client.post(REBUILD, {"scope": "movement", "scope_key": ""})
        return response, time.perf_counter() - started
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["broker_down", "broker_hanging"])
def test_a_rebuild_while_the_broker_is_down_says_so_and_does_not_hang(request, seeded_transactional_db, broker):
    # A real commit, as in production: the task is published when the build row commits.
    request.getfixturevalue(broker)
    steward = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(steward)
    response, elapsed = _rebuild_within(client, 30)
    assert response.status_code == 302
    assert elapsed < 20, f"the rebuild took {elapsed:.1f} s"
    build = ReportBuild.objects.get()
    # Not left "queued" for ever with nothing to run it: failed, and the page says why.
    assert build.status == ReportBuild.Status.FAILED and build.error
    progress = client.get(reverse("learning:build", args=[build.pk]))
    assert progress.status_code == 200
    assert 'http-equiv="refresh"' not in progress.content.decode()


def test_a_rebuild_after_a_failed_queueing_queues_again(steward, django_capture_on_commit_callbacks):
    ReportBuild.objects.create(scope="movement", status=ReportBuild.Status.FAILED, error="broker down")
    with django_capture_on_commit_callbacks(execute=False):
        client_for(steward).post(REBUILD, {"scope": "movement", "scope_key": ""})
    assert ReportBuild.objects.filter(status=ReportBuild.Status.QUEUED).count() == 1


@pytest.mark.parametrize("persona", [None, "volunteer", "staff", "other_staff", "funder", "affiliate_admin"])
def test_nobody_but_stewards_sees_a_build(request, persona, steward):
    build = ReportBuild.objects.create(scope="movement", requested_by=steward)
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(reverse("learning:build", args=[build.pk]))
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]


# --- practices ----------------------------------------------------------------------------


def practice_post(**changes):
    data = {
        "original_language": "en",
        "original_title": "Mentoring circles",
        "original_context": "Few new admins stayed.",
        "original_what_was_done": "Monthly circles.",
        "original_evidence": "Eight of ten stayed.",
        "original_would_change": "",
        "categories": ["board-practices"],
        "method": "mentoring",
        "region": "south-asia",
        "report_scopes": ["method:mentoring"],
    }
    return data | changes


@pytest.mark.parametrize("q", HOSTILE_TEXTS + ["a" * 10_000, "(a|b)+$", "[[:alpha:]]", "%%%", "_", "a b " * 500])
def test_practice_search_takes_any_text(client, organization, q):
    make_practice(organization, original_title="Mentoring circles 100%")
    response = client.get(reverse("practices:list"), {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("page", HOSTILE_PAGES)
def test_practice_pages_of_nothing_answer(client, organization, page):
    make_practice(organization)
    assert client.get(reverse("practices:list"), {"page": page}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "category=<script>&method=x&region=%00&organization=%27&language=\u202e",
        "q=a&q=b&page=1&page=2",
        "category=board-practices&category=governance",
        "organization=" + "x" * 5000,
        "language=xx\x00",
        "region=south-asia%0d%0aSet-Cookie:x=1",
    ],
)
def test_practice_filters_ignore_what_they_do_not_understand(client, organization, query):
    make_practice(organization)
    assert client.get(f"{reverse('practices:list')}?{query}").status_code == 200


def test_the_search_does_not_treat_percent_and_underscore_as_wildcards(client, organization):
    make_practice(organization, original_title="Mentoring circles")
    response = client.get(reverse("practices:list"), {"q": "%"})
    assert response.context["page"].object_list == [] or not list(response.context["page"].object_list)
    response = client.get(reverse("practices:list"), {"q": "_"})
    assert not list(response.context["page"].object_list)


def test_a_practice_cannot_link_another_organizations_program(organization, other_organization, staff):
    theirs = ProgramFactory(provider=other_organization)
    response = client_for(staff).post(
        reverse("practices:new"), practice_post(organization=organization.slug, programs=[theirs.slug])
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Practice.objects.exists()


def test_a_practice_cannot_be_written_for_another_organization(organization, other_organization, staff):
    response = client_for(staff).post(reverse("practices:new"), practice_post(organization=other_organization.slug))
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert not Practice.objects.exists()


def test_editing_cannot_move_a_practice_or_link_another_organizations_program(organization, other_organization, staff):
    practice = make_practice(organization, status="draft")
    theirs = ProgramFactory(provider=other_organization)
    response = client_for(staff).post(
        reverse("practices:edit", args=[practice.slug]),
        practice_post(organization=other_organization.slug, programs=[theirs.slug]),
    )
    assert response.status_code == 200
    practice.refresh_from_db()
    assert practice.organization == organization and not practice.programs.exists()


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
@pytest.mark.parametrize("persona", [None, "volunteer", "other_staff", "funder"])
def test_others_cannot_reach_a_draft_practice_by_any_door(request, organization, status, persona):
    practice = make_practice(organization, status=status)
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    for method, name, extra in [
        ("get", "detail", []),
        ("get", "edit", []),
        ("post", "edit", []),
        ("get", "translate", ["ko"]),
        ("post", "translate", ["ko"]),
        ("post", "submit", []),
        ("post", "review", []),
    ]:
        response = getattr(client, method)(
            reverse(f"practices:{name}", args=[practice.slug, *extra]), {"decision": "publish"}
        )
        assert response.status_code in (302, 403, 404), (name, method, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
    assert Practice.objects.get(pk=practice.pk).status == status


@pytest.mark.parametrize("persona", ["staff", "other_staff", "affiliate_admin"])
def test_only_stewards_publish(request, organization, persona):
    practice = make_practice(organization, status="submitted")
    client_for(request.getfixturevalue(persona)).post(
        reverse("practices:review", args=[practice.slug]), {"decision": "publish"}
    )
    assert Practice.objects.get(pk=practice.pk).status == "submitted"


@pytest.mark.parametrize("lang", ["xx", "en", "ko\x00", "../../", "<b>", "k" * 300, "ar-XX", "zh-hans\r\n"])
def test_a_translation_into_no_language_is_not_found(organization, staff, lang):
    practice = make_practice(organization, status="draft")
    response = client_for(staff).get(f"/en/practices/{practice.slug}/translate/{lang}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"original_title": "\x00"},
        {"original_context": "x" * 100_000},
        {"original_context": "\x00"},
        {"original_language": ["en", "xx"]},
        {"method": ["mentoring", "teleportation"]},
        {"categories": "board-practices\x00"},
        {"region": "9" * 40},
        {"programs": ["-1", "99999999999999999999", "<script>"]},
        {"report_scopes": ["method:mentoring\x00"]},
        {"report_scopes": ["organization:" + "x" * 1000]},
        {"organization": ["wiki-learning-hub", "other-chapter"]},
    ],
)
def test_a_hostile_practice_form_is_a_form_error(organization, staff, changes):
    response = client_for(staff).post(
        reverse("practices:new"), practice_post(**({"organization": organization.slug} | changes))
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Practice.objects.exists()


def test_a_title_with_a_line_break_is_saved_on_one_line(organization, staff):
    client_for(staff).post(
        reverse("practices:new"), practice_post(organization=organization.slug, original_title="one\r\ntwo\n\n three")
    )
    assert Practice.objects.get().original_title == "one two three"


@pytest.mark.parametrize("field", ["original_language", "method", "organization"])
def test_a_repeated_choice_takes_the_last_value_as_a_browser_never_sends_two(
    organization, other_organization, staff, field
):
    values = {
        "original_language": ["xx", "en"],
        "method": ["teleportation", "mentoring"],
        "organization": [other_organization.slug, organization.slug],
    }
    client_for(staff).post(
        reverse("practices:new"), practice_post(**({"organization": organization.slug} | {field: values[field]}))
    )
    assert Practice.objects.get().organization == organization


def test_a_practice_without_a_csrf_token_is_refused(organization, staff):
    client = client_for(staff, enforce_csrf_checks=True)
    assert client.post(reverse("practices:new"), practice_post(organization=organization.slug)).status_code == 403
    assert not Practice.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
@pytest.mark.parametrize("name", ["new", "mine", "review_queue", "list"])
def test_practice_pages_refuse_other_methods(steward, method, name):
    assert getattr(client_for(steward), method)(reverse(f"practices:{name}")).status_code == 405


# --- surveys -------------------------------------------------------------------------------


@pytest.fixture
def survey_program(organization):
    categories = list(CapacityCategory.objects.filter(slug__in=("public-speaking", "governance")))
    return ProgramFactory(provider=organization, categories=categories), categories


def invite(program, person, kind=SurveyKind.POST):
    now = timezone.now()
    session = SessionFactory(program=program, starts_at=now - timedelta(days=200), ends_at=now - timedelta(days=199))
    enrollment = Enrollment.objects.create(user=person, session=session, status=Enrollment.Status.COMPLETED)
    return SurveyInvitation.objects.create(enrollment=enrollment, kind=kind, due_at=now - timedelta(minutes=1))


def answers(categories, **extra):
    return {**{f"rating_{c.pk}": "4" for c in categories}, "satisfaction": "5", "comments": "Useful.", **extra}


@pytest.mark.parametrize("persona", ["staff", "other_staff", "steward", "affiliate_admin", "funder"])
def test_another_persons_survey_token_is_not_found_whoever_asks(request, survey_program, volunteer, persona):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    client = client_for(request.getfixturevalue(persona))
    url = reverse("surveys:answer", kwargs={"token": invitation.token})
    assert client.get(url).status_code == 404
    assert client.head(url).status_code == 404
    assert client.post(url, answers(categories)).status_code == 404
    assert client.get(reverse("surveys:thanks", kwargs={"token": invitation.token})).status_code == 404
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["1", "0", "%", "%25", "*", "..", "' OR 1=1 --", "a" * 65, "a" * 10_000, "\u202e", "%00", "😀", "token%0d%0a"],
)
def test_guessed_survey_tokens_find_nothing(volunteer, token):
    response = client_for(volunteer).get(f"/en/surveys/{token}/")
    assert response.status_code == 404


def test_survey_tokens_are_long_and_random(survey_program, volunteer):
    program, _categories = survey_program
    tokens = {invite(program, volunteer, kind).token for kind in (SurveyKind.POST, SurveyKind.FOLLOW_UP_3)}
    assert len(tokens) == 2 and all(len(token) >= 32 for token in tokens)


def test_two_survey_answers_make_one_response(survey_program, volunteer):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    client = client_for(volunteer)
    url = reverse("surveys:answer", kwargs={"token": invitation.token})
    first = client.post(url, answers(categories))
    second = client.post(url, answers(categories, satisfaction="1"))
    assert first.status_code == 302 and second.status_code == 200
    assert SurveyResponse.objects.get().satisfaction == 5


@pytest.mark.parametrize(
    "changes",
    [
        {"satisfaction": "6"},
        {"satisfaction": "0"},
        {"satisfaction": "-1"},
        {"satisfaction": "4.5"},
        {"satisfaction": "9" * 40},
        {"satisfaction": ["5", "7"]},
        {"satisfaction": "\x00"},
        {"comments": "x" * 100_000},
        {"comments": "nul\x00"},
    ],
)
def test_a_hostile_survey_answer_is_a_form_error_and_saves_nothing(survey_program, volunteer, changes):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    response = client_for(volunteer).post(
        reverse("surveys:answer", kwargs={"token": invitation.token}), answers(categories, **changes)
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not SurveyResponse.objects.exists()


def test_a_rating_of_a_capacity_the_program_does_not_teach_is_never_read(survey_program, volunteer):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    other = CapacityCategory.objects.exclude(pk__in=[c.pk for c in categories]).first()
    client_for(volunteer).post(
        reverse("surveys:answer", kwargs={"token": invitation.token}),
        answers(categories, **{f"rating_{other.pk}": "5"}),
    )
    response = SurveyResponse.objects.get()
    assert other.pk not in set(response.ratings.values_list("category_id", flat=True))


def test_a_survey_answer_without_a_csrf_token_is_refused(survey_program, volunteer):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    client = client_for(volunteer, enforce_csrf_checks=True)
    assert (
        client.post(reverse("surveys:answer", kwargs={"token": invitation.token}), answers(categories)).status_code
        == 403
    )
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_survey_pages_refuse_other_methods(survey_program, volunteer, method):
    program, _categories = survey_program
    invitation = invite(program, volunteer)
    client = client_for(volunteer)
    for url in (
        reverse("surveys:mine"),
        reverse("surveys:answer", kwargs={"token": invitation.token}),
        reverse("surveys:thanks", kwargs={"token": invitation.token}),
    ):
        assert getattr(client, method)(url).status_code == 405


# --- self-assessment -------------------------------------------------------------------------


def _root():
    return CapacityCategory.objects.roots().order_by("position", "slug").first()


@pytest.mark.parametrize(
    "value", ["6", "0", "-1", "1.5", "9" * 40, ["1", "5"], "\x00", "<script>", "true", " 3", "3\r\n"]
)
def test_a_hostile_rating_is_a_form_error_and_saves_nothing(volunteer, value):
    response = client_for(volunteer).post(reverse("assessment:mine"), {f"capacity-{_root().slug}": value})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert response.context["form"].errors
        assert not SelfAssessment.objects.exists()


def test_a_rating_of_a_capacity_that_is_not_rated_is_never_read(volunteer):
    child = CapacityCategory.objects.filter(parent__isnull=False).first()
    response = client_for(volunteer).post(reverse("assessment:mine"), {f"capacity-{child.slug}": "5"})
    assert response.status_code == 400
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("persona", ["volunteer", "staff", "other_staff", "steward", "funder"])
def test_only_an_organizations_admins_rate_it(request, organization, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("assessment:organization", args=[organization.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {f"capacity-{_root().slug}": "5"}).status_code == 403
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("slug", ["no-such-org", "%00", "x" * 300, "<script>"])
def test_an_unknown_organization_has_no_assessment_page(affiliate_admin, slug):
    assert client_for(affiliate_admin).get(f"/en/assessment/organizations/{slug}/").status_code == 404


def test_an_assessment_without_a_csrf_token_is_refused(volunteer):
    client = client_for(volunteer, enforce_csrf_checks=True)
    assert client.post(reverse("assessment:mine"), {f"capacity-{_root().slug}": "5"}).status_code == 403
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_assessment_pages_refuse_other_methods(affiliate_admin, organization, method):
    client = client_for(affiliate_admin)
    for url in (reverse("assessment:mine"), reverse("assessment:organization", args=[organization.slug])):
        assert getattr(client, method)(url).status_code == 405


def test_a_public_profile_never_shows_its_owners_ratings(volunteer, steward):
    from evaluation.assessment import self_assessment_record
    from stakeholders.models import ProfileVisibility

    owner = UserFactory(username="rated-person")
    self_assessment_record(by=owner, ratings={_root(): 5}, user=owner)
    ProfileVisibility.objects.create(user=owner, is_public=True, show_capacities=True)
    for viewer in (None, volunteer, steward):
        response = client_for(viewer).get(f"/en/people/{owner.username}/")
        assert response.status_code == 200
        assert "assessment-history" not in response.content.decode()
    # The owner sees their own.
    assert "assessment-history" in client_for(owner).get(f"/en/people/{owner.username}/").content.decode()


@pytest.mark.parametrize("persona", [None, "volunteer", "other_staff", "funder"])
def test_an_organizations_ratings_stay_off_its_page_for_outsiders(request, organization, affiliate_admin, persona):
    from evaluation.assessment import self_assessment_record

    self_assessment_record(by=affiliate_admin, ratings={_root(): 2}, organization=organization)
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(f"/en/organizations/{organization.slug}/")
    assert response.status_code == 200
    assert "assessment-history" not in response.content.decode()


# --- no probe answers 500 ---------------------------------------------------------------------


def test_no_evaluation_page_answers_500_to_any_probe(
    organization, other_organization, volunteer, staff, other_staff, steward, report, survey_program
):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    draft = make_practice(organization, status="draft", original_title="A draft")
    published = make_practice(organization, original_title="Published")
    build = ReportBuild.objects.create(scope="movement", requested_by=steward)
    paths = [
        "/en/reports/",
        "/en/reports/movement/all/",
        "/en/reports/movement/all/2026.csv",
        "/en/reports/movement/all/2026.json",
        f"/en/reports/builds/{build.pk}/",
        "/en/practices/",
        "/en/practices/mine/",
        "/en/practices/new/",
        "/en/practices/review/",
        f"/en/practices/{draft.slug}/",
        f"/en/practices/{published.slug}/",
        f"/en/practices/{draft.slug}/edit/",
        f"/en/practices/{published.slug}/edit/",
        f"/en/practices/{draft.slug}/translate/ko/",
        "/en/surveys/",
        f"/en/surveys/{invitation.token}/",
        f"/en/surveys/{invitation.token}/thanks/",
        "/en/assessment/",
        f"/en/assessment/organizations/{organization.slug}/",
        f"/en/assessment/organizations/{other_organization.slug}/",
    ]
    post_only = [REBUILD, f"/en/practices/{draft.slug}/submit/", f"/en/practices/{published.slug}/review/"]
    params = [
        {},
        {"period": "2026", "page": "99999999999999999999", "q": "x" * 10_000},
        {"period": ["2026", "2025"], "page": ["-1", "2"], "q": ["a", "b"]},
        {"period": "\x00", "page": "\x00", "q": "\x00", "category": "\x00", "language": "\x00"},
        {"period": "<script>", "page": "1.5", "q": "\u202e😀", "organization": "'", "region": "%"},
    ]
    bodies = [
        {},
        {"scope": "movement", "scope_key": "", "decision": "publish", "note": "x" * 100_000},
        {"scope": "\x00", "scope_key": "\x00", "decision": ["publish", "return"], "note": "\x00"},
        {key: "9" * 40 for key in ("scope", "scope_key", "satisfaction", "original_language", "programs")},
        {f"capacity-{_root().slug}": ["1", "2"], "comments": "x" * 100_000, "organization": "\r\n"},
    ]
    for user in (None, volunteer, staff, other_staff, steward):
        client = client_for(user)
        for path in paths:
            for query in params:
                response = client.get(path, query)
                assert response.status_code < 500, (path, query, response.status_code)
            for body in bodies:
                response = client.post(path, body)
                assert response.status_code < 500, (path, "POST", response.status_code)
            for method in ("put", "delete", "patch", "options"):
                assert getattr(client, method)(path).status_code < 500, (path, method)
        for path in post_only:
            for body in bodies:
                with_callbacks = client.post(path, body)
                assert with_callbacks.status_code < 500, (path, body)
            assert client.get(path).status_code in (302, 405)


# --- surveys of people who did not take part ---------------------------------------------


def _not_taking_part(invitation, change):
    enrollment = invitation.enrollment
    if change == "no_show":
        Enrollment.objects.filter(pk=enrollment.pk).update(attendance=Enrollment.Attendance.NO_SHOW)
    elif change == "cancelled_enrollment":
        Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.CANCELLED)
    elif change == "cancelled_session":
        type(enrollment.session).objects.filter(pk=enrollment.session_id).update(is_cancelled=True)


@pytest.mark.parametrize("change", ["no_show", "cancelled_enrollment", "cancelled_session"])
@pytest.mark.parametrize("kind", [SurveyKind.POST, SurveyKind.FOLLOW_UP_6])
def test_someone_who_did_not_take_part_cannot_answer_from_an_old_link_or_the_list(
    survey_program, volunteer, change, kind
):
    program, categories = survey_program
    invitation = invite(program, volunteer, kind)
    _not_taking_part(invitation, change)
    client = client_for(volunteer)
    url = reverse("surveys:answer", kwargs={"token": invitation.token})
    assert client.get(url).status_code == 404
    body = answers(categories, still_active="yes", using_learning=SurveyResponse.Using.choices[0][0])
    assert client.post(url, body).status_code == 404
    assert not SurveyResponse.objects.exists()
    assert client.get(reverse("surveys:mine")).context["pending"] == []


def test_the_service_refuses_an_answer_from_a_no_show(survey_program, volunteer):
    from django.core.exceptions import ValidationError

    from evaluation.surveys import survey_respond

    program, categories = survey_program
    invitation = invite(program, volunteer)
    _not_taking_part(invitation, "no_show")
    invitation.refresh_from_db()
    with pytest.raises(ValidationError):
        survey_respond(invitation=invitation, user=volunteer, data={"satisfaction": 5, "ratings": {}})
    assert not SurveyResponse.objects.exists()


def test_an_answer_given_before_attendance_was_corrected_still_shows_as_answered(survey_program, volunteer):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    client = client_for(volunteer)
    url = reverse("surveys:answer", kwargs={"token": invitation.token})
    client.post(url, answers(categories))
    _not_taking_part(invitation, "no_show")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("text", ["bidi \u202e override", "isolate \u2066x\u2069", "bell \x07", "escape \x1b[31m"])
def test_survey_comments_refuse_hidden_characters(survey_program, volunteer, text):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    response = client_for(volunteer).post(
        reverse("surveys:answer", kwargs={"token": invitation.token}), answers(categories, comments=text)
    )
    assert response.status_code == 200 and "comments" in response.context["form"].errors
    assert not SurveyResponse.objects.exists()


def test_survey_comments_keep_line_breaks_tabs_and_any_script(survey_program, volunteer):
    program, categories = survey_program
    invitation = invite(program, volunteer)
    text = "좋았어요\r\nمفيد جدا\tشكرا 😀"
    client_for(volunteer).post(
        reverse("surveys:answer", kwargs={"token": invitation.token}), answers(categories, comments=text)
    )
    assert SurveyResponse.objects.get().comments == "좋았어요\nمفيد جدا\tشكرا 😀"


# --- double submits of a self-assessment ---------------------------------------------------


def test_a_self_assessment_sent_twice_is_one_round_and_adds_no_zero_gains(volunteer):
    from evaluation.models import Measurement

    client = client_for(volunteer)
    root = _root()
    client.post(reverse("assessment:mine"), {f"capacity-{root.slug}": "2"})
    first = client.post(reverse("assessment:mine"), {f"capacity-{root.slug}": "4"})
    second = client.post(reverse("assessment:mine"), {f"capacity-{root.slug}": "4"})
    assert first.status_code == second.status_code == 302
    assert SelfAssessment.objects.filter(user=volunteer).count() == 2
    gains = Measurement.objects.filter(indicator__code="capacity_gain").values_list("value", flat=True)
    # One round's gain of 2 (per capacity, and the person's summary row); no round of zeros.
    assert gains and {float(gain) for gain in gains} == {2.0}


def test_an_organizations_assessment_sent_twice_is_one_round(affiliate_admin, organization):
    client = client_for(affiliate_admin)
    url = reverse("assessment:organization", args=[organization.slug])
    for _ in range(3):
        assert client.post(url, {f"capacity-{_root().slug}": "3"}).status_code == 302
    assert SelfAssessment.objects.filter(organization=organization).count() == 1


def test_other_ratings_or_a_later_round_are_a_new_round(volunteer):
    from evaluation.assessment import REPEAT_WINDOW, self_assessment_record_once

    root = _root()
    now = timezone.now()
    self_assessment_record_once(by=volunteer, user=volunteer, ratings={root: 3}, now=now)
    self_assessment_record_once(by=volunteer, user=volunteer, ratings={root: 4}, now=now + timedelta(seconds=5))
    self_assessment_record_once(
        by=volunteer, user=volunteer, ratings={root: 4}, now=now + REPEAT_WINDOW + timedelta(seconds=10)
    )
    assert SelfAssessment.objects.filter(user=volunteer).count() == 3


def test_the_once_service_checks_who_rates_like_the_service(volunteer, staff):
    from django.core.exceptions import PermissionDenied

    from evaluation.assessment import self_assessment_record_once

    with pytest.raises(PermissionDenied):
        self_assessment_record_once(by=staff, user=volunteer, ratings={_root(): 3})
    assert not SelfAssessment.objects.exists()


# --- the stewards' review takes only what was sent for review -------------------------------


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_a_steward_cannot_publish_what_was_never_sent_for_review(organization, steward, status):
    practice = make_practice(organization, status=status)
    response = client_for(steward).post(reverse("practices:review", args=[practice.slug]), {"decision": "publish"})
    assert response.status_code == 302
    assert Practice.objects.get(pk=practice.pk).status == status


def test_publishing_twice_is_publishing_once(organization, steward):
    practice = make_practice(organization, status="submitted")
    client = client_for(steward)
    for _ in range(2):
        assert (
            client.post(reverse("practices:review", args=[practice.slug]), {"decision": "publish"}).status_code == 302
        )
    practice.refresh_from_db()
    assert practice.status == "published"


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "return", "note": ""},
        {"decision": "return", "note": "\u202e"},
        {"decision": "return", "note": "x" * 100_000},
        {"decision": "delete"},
        {"decision": ["publish", "return"]},
        {},
    ],
)
def test_a_hostile_review_changes_nothing(organization, steward, body):
    practice = make_practice(organization, status="submitted")
    response = client_for(steward).post(reverse("practices:review", args=[practice.slug]), body)
    assert response.status_code == 302
    assert Practice.objects.get(pk=practice.pk).status in ("submitted", "returned")
    if body.get("decision") != ["publish", "return"]:
        assert Practice.objects.get(pk=practice.pk).status == "submitted"


# --- known limits, reported to the lead (their fix is outside the views) --------------------


def test_a_negative_figure_is_a_number_in_the_csv(client):
    figure("capacity_gain", "-0.25", low="-0.5", high="0.1", n=40, built_at=timezone.now())
    text = b"".join(client.get("/en/reports/movement/all/2026.csv").streaming_content).decode("utf-8-sig")
    row = next(row for row in csv.DictReader(io.StringIO(text)) if row["indicator"] == "capacity_gain")
    # Numbers, not text: no leading quote, and they read back as the figures.
    assert Decimal(row["value"]) == Decimal("-0.25") and Decimal(row["low_95"]) == Decimal("-0.5")


@pytest.mark.parametrize("title", ["New", "mine", "Review", "😀🎉", "글쓰기 모임", "---", "x" * 200])
def test_a_practice_title_never_takes_a_pages_address(organization, staff, title):
    client = client_for(staff)
    response = client.post(
        reverse("practices:new"), practice_post(organization=organization.slug, original_title=title)
    )
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert practice.slug not in ("new", "mine", "review", "")
    assert client.get(reverse("practices:detail", args=[practice.slug])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_stewards_rebuilding_at_the_same_moment_queue_one_build(seeded_transactional_db, monkeypatch):
    import threading

    from django.db import connection

    from evaluation import tasks

    queued = []
    monkeypatch.setattr(tasks.build_reports, "delay", lambda build_id: queued.append(build_id))
    stewards = [UserFactory(is_staff=True, is_superuser=True) for _ in range(4)]
    start = threading.Barrier(len(stewards))
    answers = []

    def press(steward):
        try:
            client = client_for(steward)
            start.wait()
            answers.append(client.post(REBUILD, {"scope": "movement", "scope_key": ""})["Location"])
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(steward,)) for steward in stewards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    build = ReportBuild.objects.get()
    assert queued == [build.pk]
    assert answers == [reverse("learning:build", args=[build.pk])] * len(stewards)
