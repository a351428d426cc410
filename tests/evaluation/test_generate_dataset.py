"""manage.py generate_dataset at tiny scale: counts, determinism, invariants, and a site that answers."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse

from bench.dataset import SCALES, DatasetError, generate
from evaluation import reports
from evaluation.models import Measurement, SelfAssessment
from programs.models import ActivityReport, Enrollment, Program, Session
from resources import dashboard
from resources.models import Allocation, AllocationMethod, AllocationSpending, Expenditure, Fund
from stakeholders.models import ExchangeProfile, Membership, Organization, SupportOffer, SupportRequest, User

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


def tiny(seed=1):
    return generate(scale="tiny", seed=seed, out=lambda line: None, today=TODAY)


def snapshot():
    """Key columns of every generated table, ids replaced by what they point at."""
    return (
        list(Organization.objects.order_by("pk").values_list("slug", "kind", "region__slug")),
        list(Program.objects.order_by("pk").values_list("slug", "title", "provider__slug", "method", "is_published")),
        list(
            Session.objects.order_by("pk").values_list(
                "program__slug", "starts_at", "seats", "seats_taken", "is_cancelled"
            )
        ),
        list(
            Enrollment.objects.order_by("pk").values_list(
                "user__username", "session__program__slug", "session__starts_at", "status", "attendance"
            )
        ),
        list(
            ActivityReport.objects.order_by("pk").values_list(
                "session__starts_at", "participants", "gender_woman", "age_25_34", "newcomer_new", "hours_of_learning"
            )
        ),
        list(
            Measurement.objects.order_by("pk").values_list(
                "indicator__code", "program__slug", "date", "value", "people", "dimension", "answer"
            )
        ),
        list(Allocation.objects.order_by("pk").values_list("recipient__slug", "amount", "currency", "usd_amount")),
        list(Expenditure.objects.order_by("pk").values_list("allocation__recipient__slug", "spent_on", "amount")),
        list(AllocationMethod.objects.order_by("pk").values_list("allocation__recipient__slug", "method")),
    )


def test_tiny_scale_has_the_rows_it_promises_and_keeps_the_invariants():
    counts = tiny()
    scale = SCALES["tiny"]
    assert Organization.objects.filter(slug__startswith="gen-org-").count() == scale.organizations
    assert User.objects.filter(username__startswith="gen-person-").count() == scale.people
    assert Program.objects.count() == scale.programs
    assert Session.objects.count() == scale.sessions
    assert Fund.objects.count() == scale.funds
    assert Allocation.objects.count() == scale.allocations
    # Enrollments are drawn by popularity: within a tenth of the target.
    assert abs(Enrollment.objects.count() - scale.enrollments) <= scale.enrollments // 10
    assert counts["evaluation_measurement"] == Measurement.objects.count() > 0
    assert ActivityReport.objects.exists()
    # Popular and empty sessions.
    sizes = Session.objects.annotate(n=Count("enrollments")).values_list("n", flat=True)
    assert 0 in sizes and max(sizes) >= 40
    # seats_taken is the count of holders, never over the seats.
    holders = Count("enrollments", filter=Q(enrollments__status__in=["enrolled", "completed"]))
    assert not Session.objects.annotate(holders=holders).exclude(seats_taken=F("holders")).exists()
    assert not Session.objects.filter(seats_taken__gt=F("seats")).exists()
    # Each report's participants measurement equals its participants; the unique key holds (the DB enforces it).
    participants = dict(
        Measurement.objects.filter(indicator__code="participants", dimension="").values_list("source_id", "value")
    )
    for report in ActivityReport.objects.filter(participants__gt=0):
        assert participants[report.pk] == report.participants


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    states = []
    for seed in (1, 1, 2):
        with transaction.atomic():
            tiny(seed)
            states.append(snapshot())
            transaction.set_rollback(True)
    assert states[0] == states[1]
    assert states[0] != states[2]


def test_it_refuses_a_database_that_already_has_data():
    tiny()
    before = Program.objects.count()
    with pytest.raises(CommandError, match="already holds"):
        call_command("generate_dataset", "--scale", "tiny")
    assert Program.objects.count() == before


def test_the_command_prints_rows_and_rates_per_table(capsys):
    call_command("generate_dataset", "--scale", "tiny", "--seed", "3")
    output = capsys.readouterr().out
    assert "programs_session" in output and "rows/s" in output and "total" in output


def test_sqlite_takes_only_the_tiny_scale_and_unknown_scales_are_refused(monkeypatch):
    with pytest.raises(DatasetError, match="Unknown scale"):
        generate(scale="huge")
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(DatasetError, match="needs PostgreSQL"):
        generate(scale="movement")
    assert not Program.objects.exists()


def test_the_generated_site_answers(client):
    tiny()
    organization = Organization.objects.exclude(kind="funder").annotate(n=Count("programs")).order_by("-n").first()
    # One year's reports are enough for the report page (all seven take minutes at this scale).
    reports.year_replace(TODAY.year)
    for url in (
        reverse("programs:catalog"),
        reverse("organizations:detail", args=[organization.slug]),
        reverse("learning:scope", args=["movement", "all"]),
        reverse("exchange:directory"),
        reverse("support:list"),
    ):
        assert client.get(url).status_code == 200, url


def test_the_measurements_are_those_the_sync_would_compute():
    """Re-measuring every generated report and survey response changes nothing."""
    from evaluation import measurements
    from evaluation.models import SurveyRating, SurveyResponse

    tiny()
    assert SurveyResponse.objects.exists() and SurveyRating.objects.exists()
    report_ids = list(ActivityReport.objects.values_list("pk", flat=True))
    response_ids = list(SurveyResponse.objects.values_list("pk", flat=True))
    assert measurements.activity_report_measure(report_ids=report_ids) == 0
    assert measurements.survey_response_measure(response_ids=response_ids) == 0
    assessment_ids = list(SelfAssessment.objects.values_list("pk", flat=True))
    assert Measurement.objects.filter(source="self_assessment").exists()
    assert measurements.self_assessment_measure(assessment_ids=assessment_ids) == 0


def test_allocations_have_a_purpose_programs_and_spending_as_the_services_would_record():
    tiny()
    allocations = Allocation.objects.all()
    assert not allocations.annotate(n=Count("methods")).filter(n=0).exists()
    assert not allocations.annotate(n=Count("categories")).filter(n=0).exists()
    assert allocations.filter(programs__isnull=False).distinct().count() >= SCALES["tiny"].allocations // 4
    # A recipient's allocation funds the recipient's own programs.
    assert not allocations.exclude(programs__isnull=True).exclude(programs__provider=F("recipient")).exists()
    spent = Expenditure.objects.all()
    assert spent.exists()
    assert not spent.exclude(allocation__status__in=dashboard.ALLOCATED).exists()
    assert not spent.exclude(currency=F("allocation__currency")).exists()
    # In the month the allocation starts, at the rate its USD used; USD to the cent.
    for expenditure in spent.select_related("allocation", "usd_rate"):
        assert expenditure.spent_on.replace(day=1) == expenditure.allocation.starts_on.replace(day=1)
        assert expenditure.usd_rate_id == expenditure.allocation.usd_rate_id
        rate = expenditure.usd_rate.usd_per_unit if expenditure.usd_rate else 1
        assert expenditure.usd_amount == (expenditure.amount * rate).quantize(expenditure.usd_amount)
    # Some overspent, with the reason the services ask for; the rest within their amount.
    overspent = dashboard.overspent_ids(allocations)
    reasons = spent.exclude(overspend_reason="").values("allocation")
    assert overspent.exists()
    assert set(overspent.values_list("pk", flat=True)) == set(reasons.values_list("allocation", flat=True))
    # Loaded by COPY, the spending is kept added up per allocation all the same (the triggers).
    kept = dict(AllocationSpending.objects.values_list("allocation", "spent"))
    assert kept == dict(
        spent.order_by().values("allocation").annotate(total=Sum("amount")).values_list("allocation", "total")
    )
    figures = dashboard.figures_for(allocations)
    assert figures.headline["spent"] > 0
    assert any(line.values["spent"] for line in figures.tables["methods"].lines)


def test_the_community_has_members_exchange_profiles_and_support_requests():
    """Every organization has one admin; profiles of people and organizations; requests with capacities and history."""
    tiny()
    admins = Membership.objects.filter(role="admin").values("organization").annotate(n=Count("id"))
    assert admins.count() == SCALES["tiny"].organizations and {row["n"] for row in admins} == {1}
    assert ExchangeProfile.objects.of_people().listed().exists()
    assert ExchangeProfile.objects.of_organizations().exists()
    assert not ExchangeProfile.objects.annotate(n=Count("capacities")).filter(n=0).exists()
    assert SupportRequest.objects.filter(is_sensitive=True).exists()
    assert not SupportRequest.objects.annotate(n=Count("categories")).filter(n=0).exists()
    # Every request was opened once; a request past "open" moved once more.
    events = SupportRequest.objects.annotate(n=Count("events"))
    assert not events.filter(status="open").exclude(n=1).exists()
    assert not events.exclude(status="open").exclude(n=2).exists()
    assert SupportOffer.objects.exists()
    assert (
        User.objects.filter(username__startswith="gen-person-").annotate(n=Count("languages")).filter(n=0).count() == 0
    )


def test_the_load_puts_back_every_foreign_key_and_index_it_set_aside():
    from bench.dataset import _bulk_tables

    def definitions():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
                [_bulk_tables()],
            )
            constraints = sorted(cursor.fetchall())
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [_bulk_tables()])
            return constraints, sorted(cursor.fetchall())

    before = definitions()
    assert any("FOREIGN KEY" in definition for _name, definition in before[0])
    tiny()
    assert definitions() == before


@pytest.mark.django_db(transaction=True)
def test_the_load_leaves_the_large_tables_vacuumed_as_after_a_restore():
    tiny()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpages, relallvisible, reltuples FROM pg_class "
            "WHERE relname IN ('programs_enrollment', 'evaluation_measurement', 'programs_session')"
        )
        tables = {name: (pages, visible, rows) for name, pages, visible, rows in cursor.fetchall()}
    assert len(tables) == 3
    for name, (pages, visible, rows) in tables.items():
        assert pages > 0 and visible == pages, name  # every page all-visible: index-only scans stay in the index
        assert rows > 0, name  # analyzed
