"""The rules an activity report's figures keep, whichever page or import writes them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programs import services
from programs.models import ActivityReport
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_session():
    start = timezone.now() - timedelta(days=2)
    return SessionFactory(starts_at=start, ends_at=start + timedelta(hours=3))


def figures(**changes):
    return {"participants": 20, "newcomers": 8, "facilitators": 2, "hours_of_learning": Decimal("54"), **changes}


def test_a_report_keeps_its_figures(past_session):
    report = services.report_save(session=past_session, values=figures(pages_created=12, notes="첫 모임"))
    report.refresh_from_db()
    assert (report.participants, report.newcomers, report.pages_created, report.notes) == (20, 8, 12, "첫 모임")


def test_answers_short_of_the_participants_are_counted_as_not_answered(past_session):
    report = services.report_save(
        session=past_session, values=figures(gender_asked=True, gender_woman=9, gender_man=7, gender_prefer_not=1)
    )
    assert report.gender_not_answered == 3
    assert sum(count for _label, count in report.breakdown()[0][2]) == 20


def test_a_question_not_asked_has_no_counts(past_session):
    report = services.report_save(session=past_session, values=figures())
    assert not report.age_asked and report.age_not_answered == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"gender_asked": True, "gender_woman": 15, "gender_man": 6}, "gender_asked"),
        ({"age_asked": False, "age_25_34": 3}, "age_asked"),
        ({"newcomers": 21}, "newcomers"),
        # 20 people in a 3-hour session cannot learn for 61 hours.
        ({"hours_of_learning": Decimal("61")}, "hours_of_learning"),
        ({"participants": 0, "newcomers": 0, "hours_of_learning": Decimal("1")}, "hours_of_learning"),
    ],
)
def test_inconsistent_figures_are_refused_and_nothing_is_written(past_session, changes, field):
    with pytest.raises(ValidationError) as refused:
        services.report_save(session=past_session, values=figures(**changes))
    assert field in refused.value.message_dict
    assert not ActivityReport.objects.exists()


def test_a_session_that_has_not_started_has_no_report():
    with pytest.raises(ValidationError, match="once the session has started"):
        services.report_save(session=SessionFactory(), values=figures())


def test_a_cancelled_session_has_no_report(past_session):
    past_session.is_cancelled = True
    past_session.save(update_fields=["is_cancelled"])
    with pytest.raises(ValidationError, match="cancelled"):
        services.report_save(session=past_session, values=figures())


def test_saving_the_same_figures_again_changes_nothing(past_session):
    values = figures(gender_asked=True, gender_woman=10, gender_man=10)
    first = services.report_save(session=past_session, values=values)
    second = services.report_save(session=past_session, values=values)
    assert first.pk == second.pk
    assert first.history.count() == 1
    assert ActivityReport.objects.count() == 1


def test_changing_a_figure_replaces_the_report_and_keeps_the_old_one_in_the_history(past_session):
    services.report_save(session=past_session, values=figures())
    report = services.report_save(
        session=past_session, values=figures(participants=22, hours_of_learning=Decimal("60"))
    )
    assert ActivityReport.objects.get().participants == 22
    assert [record.participants for record in report.history.order_by("history_id")] == [20, 22]


def test_the_database_refuses_a_breakdown_that_does_not_add_up(past_session):
    report = services.report_save(session=past_session, values=figures(gender_asked=True, gender_woman=20))
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityReport.objects.filter(pk=report.pk).update(gender_woman=25)


def test_the_database_refuses_more_newcomers_than_participants(past_session):
    report = services.report_save(session=past_session, values=figures())
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityReport.objects.filter(pk=report.pk).update(newcomers=30)


def test_dashboard_figures_need_the_session_linked_to_that_course(past_session):
    course = {
        "course_slug": "Lab/Edit-a-thon_(2026)",
        "editors": 12,
        "new_editors": 5,
        "articles_created": 3,
        "articles_edited": 9,
        "total_edits": 120,
        "bytes_added": 5000,
        "references_added": 14,
        "upload_count": 2,
    }
    with pytest.raises(ValidationError, match="Link the session"):
        services.dashboard_figures_apply(session=past_session, course=course)
    past_session.dashboard_course = "Lab/Other_(2026)"
    past_session.save(update_fields=["dashboard_course"])
    with pytest.raises(ValidationError, match="is for the course"):
        services.dashboard_figures_apply(session=past_session, course=course)
    past_session.dashboard_course = "Lab/Edit-a-thon_(2026)"
    past_session.save(update_fields=["dashboard_course"])
    report = services.dashboard_figures_apply(session=past_session, course=course)
    assert (report.participants, report.dashboard_editors, report.dashboard_new_editors) == (12, 12, 5)
    assert report.has_dashboard_figures
