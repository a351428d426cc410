"""Practices beside a report: linked to it, or sharing its method, capacity, region or organization."""

import pytest

from capacity.models import Region
from evaluation import practices
from tests.evaluation.test_practices import make_practice
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def titles(found):
    return sorted(practice.original_title for practice in found)


def test_a_report_shows_the_practices_linked_to_it_or_sharing_its_scope(organization, other_organization):
    make_practice(
        organization, original_title="Linked", method="workshop", region=None, report_scopes=["method:mentoring"]
    )
    make_practice(organization, original_title="Same method", report_scopes=[])
    make_practice(organization, original_title="Draft", status="draft")
    make_practice(organization, original_title="Waiting", status="submitted")
    make_practice(
        other_organization,
        original_title="Elsewhere",
        method="workshop",
        region=Region.objects.get(slug="north-america"),
        categories=("public-speaking",),
        report_scopes=["movement:"],
    )
    assert titles(practices.practices_beside(scope="method", scope_key="mentoring")) == ["Linked", "Same method"]
    assert titles(practices.practices_beside(scope="region", scope_key="north-america")) == ["Elsewhere"]
    assert titles(practices.practices_beside(scope="category", scope_key="communication")) == ["Elsewhere"]
    assert titles(practices.practices_beside(scope="category", scope_key="public-speaking")) == ["Elsewhere"]
    assert titles(practices.practices_beside(scope="organization", scope_key=organization.slug)) == [
        "Linked",
        "Same method",
    ]
    # The movement's report shows only the practices linked to it, not every one.
    assert titles(practices.practices_beside(scope="movement", scope_key="")) == ["Elsewhere"]
    assert practices.practices_beside(scope="region", scope_key="atlantis") == []
    assert practices.practices_beside(scope="nonsense", scope_key="'; --") == []


@pytest.mark.parametrize("count", [3, 30])
def test_practices_beside_reads_two_queries(django_assert_num_queries, count):
    for number in range(count):
        make_practice(
            OrganizationFactory(), original_title=f"P {number}", categories=("board-practices", "public-speaking")
        )
    with django_assert_num_queries(2):
        found = practices.practices_beside(scope="category", scope_key="governance")
        for practice in found:
            card = (practice.shown("title"), list(practice.categories.all()), practice.organization.name)
            assert card[0].direction == practice.original_language.direction
    assert len(found) == min(count, 6)


def test_report_links_lead_to_the_learning_reports(db):
    links = practices.report_scope_links(["movement:", "method:mentoring", "region:south-asia", "region:atlantis"])
    assert [link["label"] for link in links] == ["The whole movement", "Mentoring", "South Asia", "atlantis"]
    assert [link["url"] for link in links] == [
        "/en/reports/movement/all/",
        "/en/reports/method/mentoring/",
        "/en/reports/region/south-asia/",
        "/en/reports/region/atlantis/",
    ]


def test_a_scope_the_report_pages_cannot_address_is_plain_text(db):
    (link,) = practices.report_scope_links(["region:not a slug!"])
    assert link["url"] == ""
    assert link["label"] == "not a slug!"


def test_report_links_read_one_query_per_kind_of_scope(organization, django_assert_max_num_queries):
    values = ["region:south-asia", "region:north-america", "category:governance", "category:public-speaking"]
    values += [f"organization:{organization.slug}", "method:workshop", "movement:"]
    with django_assert_max_num_queries(3):
        practices.report_scope_links(values)


def test_the_report_link_lookup_works_on_sqlite_too(tmp_path):
    """SQLite has no JSON containment: the embedded default must still find linked practices (it answered 500)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    database = tmp_path / "beside.sqlite3"
    environment = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "capacity.settings",
    }
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from capacity.models import Language, Region; from stakeholders.models import Organization;"
        "from evaluation.models import Practice; from evaluation.practices import practices_beside;"
        "org = Organization.objects.create(slug='o', name='O', kind='chapter', region=Region.objects.first());"
        "Practice.objects.create(slug='p', original_language=Language.objects.get(code='en'),"
        " original_title='T', original_context='c', original_what_was_done='w', original_evidence='e',"
        " organization=org, status='published', report_scopes=['movement:', 'region:x']);"
        "print(len(practices_beside(scope='movement', scope_key='')),"
        " len(practices_beside(scope='method', scope_key='workshop')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "1 0"
