"""Factories for the sources measurements are made from: reports, enrollments, survey answers, assessments."""

from datetime import UTC, datetime, timedelta

import factory

from programs.models import ActivityReport, Enrollment
from tests.factories import SessionFactory, UserFactory

# A fixed past moment, so dates, quarters and years in the tests are known by hand.
SESSION_START = datetime(2025, 5, 14, 9, 0, tzinfo=UTC)


class PastSessionFactory(SessionFactory):
    starts_at = SESSION_START
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    seats = 100


class ActivityReportFactory(factory.django.DjangoModelFactory):
    """A report as report_save leaves it: no demographic question asked unless the test says so."""

    class Meta:
        model = ActivityReport

    session = factory.SubFactory(PastSessionFactory)
    participants = 30
    facilitators = 2
    hours_of_learning = 90


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    session = factory.SubFactory(PastSessionFactory)
    status = Enrollment.Status.ENROLLED
    attendance = Enrollment.Attendance.ATTENDED


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.SurveyInvitation"

    enrollment = factory.SubFactory(EnrollmentFactory)
    kind = "post"
    due_at = factory.LazyAttribute(lambda o: o.enrollment.session.ends_at)


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.SurveyResponse"
        skip_postgeneration_save = True

    invitation = factory.SubFactory(SurveyInvitationFactory)

    @factory.post_generation
    def ratings(obj, create, extracted, **kwargs):
        """ratings={category: 1..5}"""
        if create and extracted:
            for category, rating in extracted.items():
                obj.ratings.create(category=category, rating=rating)
