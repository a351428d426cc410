"""Self-assessment: recording a round (who may, what is refused), the history, and its charts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capacity.models import CapacityCategory
from evaluation.assessment import (
    HISTORY_LIMIT,
    assessable_categories,
    self_assessment_history,
    self_assessment_record,
)
from evaluation.assessment_chart import rating_charts
from evaluation.models import Measurement, SelfAssessment, SelfAssessmentRating, Source
from stakeholders.models import Membership
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def communication(db):
    return CapacityCategory.objects.get(slug="communication")


@pytest.fixture
def governance(db):
    return CapacityCategory.objects.get(slug="governance")


@pytest.fixture
def member(organization):
    """Plain member of `organization`: belongs to it, runs nothing."""
    return MembershipFactory(
        organization=organization, user=UserFactory(username="member"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def other_admin(other_organization):
    """Admin of another organization: no say over `organization`."""
    return MembershipFactory(
        organization=other_organization, user=UserFactory(username="otheradmin"), role=Membership.Role.ADMIN
    ).user


def _at(assessment, days_ago):
    """Move a recorded round back in time (the service stamps it now)."""
    SelfAssessment.objects.filter(pk=assessment.pk).update(assessed_at=timezone.now() - timedelta(days=days_ago))


# --- recording -----------------------------------------------------------------------


def test_the_rateable_capacities_are_the_taxonomys_ten_families(db):
    categories = list(assessable_categories())
    assert len(categories) == 10
    assert all(category.parent_id is None for category in categories)
    assert categories[0].slug == "communication"


def test_a_person_records_their_own_ratings(volunteer, communication, governance):
    assessment = self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 2, governance: 5})
    assert assessment.user == volunteer and assessment.organization is None and assessment.assessed_by == volunteer
    saved = dict(assessment.ratings.values_list("category__slug", "rating"))
    assert saved == {"communication": 2, "governance": 5}


def test_an_organizations_admin_records_the_organizations_ratings(organization, affiliate_admin, communication):
    assessment = self_assessment_record(by=affiliate_admin, organization=organization, ratings={communication: 4})
    assert assessment.organization == organization and assessment.user is None
    assert assessment.assessed_by == affiliate_admin


def test_an_empty_round_is_refused_and_nothing_is_saved(volunteer):
    with pytest.raises(ValidationError) as refused:
        self_assessment_record(by=volunteer, user=volunteer, ratings={})
    assert refused.value.code == "empty"
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1, "x", "3", 3.0, 2.5, True, None, 10**12])
def test_a_rating_outside_1_to_5_is_refused_and_nothing_is_saved(volunteer, communication, governance, rating):
    with pytest.raises(ValidationError) as refused:
        self_assessment_record(by=volunteer, user=volunteer, ratings={governance: 3, communication: rating})
    assert refused.value.code == "rating"
    assert not SelfAssessment.objects.exists() and not SelfAssessmentRating.objects.exists()


def test_a_capacity_that_does_not_exist_is_refused(volunteer, communication):
    ghost = CapacityCategory(pk=999_999, slug="ghost", name="Ghost")
    with pytest.raises(ValidationError) as refused:
        self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 3, ghost: 3})
    assert refused.value.code == "category"
    assert not SelfAssessment.objects.exists()


def test_a_detailed_category_is_not_one_that_is_rated(volunteer):
    wikidata = CapacityCategory.objects.get(slug="wikidata")
    with pytest.raises(ValidationError):
        self_assessment_record(by=volunteer, user=volunteer, ratings={wikidata: 3})
    assert not SelfAssessment.objects.exists()


def test_a_person_cannot_rate_someone_else(volunteer, staff, communication):
    with pytest.raises(PermissionDenied):
        self_assessment_record(by=staff, user=volunteer, ratings={communication: 3})
    with pytest.raises(PermissionDenied):
        self_assessment_record(by=AnonymousUser(), user=volunteer, ratings={communication: 3})
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("persona", ["staff", "member", "other_admin", "volunteer", "steward", "other_staff"])
def test_only_its_admins_rate_an_organization(request, organization, communication, persona):
    by = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        self_assessment_record(by=by, organization=organization, ratings={communication: 3})
    assert not SelfAssessment.objects.exists()


def test_anonymous_cannot_rate_an_organization(organization, communication):
    with pytest.raises(PermissionDenied):
        self_assessment_record(by=AnonymousUser(), organization=organization, ratings={communication: 3})
    assert not SelfAssessment.objects.exists()


def test_a_round_is_about_a_person_or_an_organization_not_both(volunteer, organization, communication):
    with pytest.raises(ValueError):
        self_assessment_record(by=volunteer, user=volunteer, organization=organization, ratings={communication: 3})
    with pytest.raises(ValueError):
        self_assessment_record(by=volunteer, ratings={communication: 3})


def test_a_second_round_measures_the_capacity_gain_against_the_first(volunteer, communication, governance):
    """The measurements module writes capacity_gain in the same transaction (evaluation.measurements)."""
    first = self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 2, governance: 4})
    assert not Measurement.objects.filter(source=Source.SELF_ASSESSMENT, source_id=first.pk).exists()
    second = self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 4})
    gains = Measurement.objects.filter(source=Source.SELF_ASSESSMENT, source_id=second.pk)
    # The capacity rated in both rounds, and the round's summary (the mean of its gains, no capacity).
    assert {(m.indicator.code, m.category_id, m.value) for m in gains} == {
        ("capacity_gain", communication.pk, Decimal(2)),
        ("capacity_gain", None, Decimal(2)),
    }


# --- history -------------------------------------------------------------------------


def test_the_history_is_oldest_first_with_one_series_per_capacity_rated(volunteer, communication, governance):
    old = self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 1})
    middle = self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 2, governance: 3})
    new = self_assessment_record(by=volunteer, user=volunteer, ratings={governance: 5})
    _at(old, 30)
    _at(middle, 10)
    history = self_assessment_history(user=volunteer)
    assert [r.pk for r in history.rounds] == [old.pk, middle.pk, new.pk]
    assert [s.category.slug for s in history.series] == ["communication", "governance"]
    assert [rating for _, rating in history.series[0].points] == [1, 2]
    assert [rating for _, rating in history.series[1].points] == [3, 5]
    assert history.latest == {governance.pk: 5}
    assert [cells for _, cells in history.table()] == [[1, None], [2, 3], [None, 5]]
    assert len(history.categories) == 10


def test_the_history_is_its_subjects_own(volunteer, staff, organization, affiliate_admin, communication):
    self_assessment_record(by=staff, user=staff, ratings={communication: 5})
    self_assessment_record(by=affiliate_admin, organization=organization, ratings={communication: 2})
    assert self_assessment_history(user=volunteer).is_empty
    assert [s.points[0][1] for s in self_assessment_history(user=staff).series] == [5]
    assert [s.points[0][1] for s in self_assessment_history(organization=organization).series] == [2]
    # The admin's own history does not hold what they recorded for the organization.
    assert self_assessment_history(user=affiliate_admin).is_empty


def test_the_history_keeps_the_most_recent_rounds(volunteer, communication):
    rounds = [self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 3}) for _ in range(30)]
    history = self_assessment_history(user=volunteer)
    assert [r.pk for r in history.rounds] == [r.pk for r in rounds[-HISTORY_LIMIT:]]


@pytest.mark.parametrize("rounds", [3, 30])
def test_the_history_takes_two_queries_however_long(
    volunteer, communication, governance, rounds, django_assert_num_queries
):
    for number in range(rounds):
        self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 1 + number % 5, governance: 3})
    with django_assert_num_queries(2):
        history = self_assessment_history(user=volunteer)
        history.table()


# --- chart ---------------------------------------------------------------------------


def _two_rounds(volunteer, communication):
    first = self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 1})
    self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 5})
    _at(first, 60)
    return self_assessment_history(user=volunteer)


def test_the_chart_draws_each_rating_on_a_1_to_5_scale_along_time(volunteer, communication):
    [chart] = rating_charts(history=_two_rounds(volunteer, communication))
    low, high = chart.points
    assert low.rating == 1 and high.rating == 5
    assert low.x < high.x  # time runs left to right
    assert low.y > high.y  # 5 stands above 1
    assert [line.rating for line in chart.grid] == [1, 2, 3, 4, 5]
    assert low.y == chart.grid[0].y and high.y == chart.grid[-1].y
    assert len(chart.dates) == 2
    assert chart.polyline == f"{low.x},{low.y} {high.x},{high.y}"
    assert "Communication" in chart.title
    assert "1 on" in chart.description and "5 on" in chart.description


def test_the_chart_is_mirrored_right_to_left(volunteer, communication):
    history = _two_rounds(volunteer, communication)
    [ltr] = rating_charts(history=history)
    [rtl] = rating_charts(history=history, rtl=True)
    assert rtl.points[0].x > rtl.points[1].x  # time runs right to left
    assert rtl.points[0].x == ltr.width - ltr.points[0].x
    assert rtl.grid[0].label_x > rtl.plot_end - 10 and ltr.grid[0].label_x < ltr.plot_start + 10
    assert (ltr.label_anchor, rtl.label_anchor) == ("end", "start")
    assert [d.anchor for d in rtl.dates] == ["end", "start"]


def test_a_single_round_is_drawn_in_the_middle(volunteer, communication):
    self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 3})
    [chart] = rating_charts(history=self_assessment_history(user=volunteer))
    [point] = chart.points
    assert point.x == round((chart.plot_start + chart.plot_end) / 2, 1)
    assert len(chart.dates) == 1


def test_no_history_draws_no_chart(volunteer):
    assert rating_charts(history=self_assessment_history(user=volunteer)) == []
