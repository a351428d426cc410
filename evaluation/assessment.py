"""Self-assessment: a person, or an organization's admins for it, rate their capacities 1–5 at any time.

Each round is kept (SelfAssessment with its SelfAssessmentRating rows), so the history
can be drawn; the measurements of a round (capacity gain against the previous round) are
written in the same transaction by evaluation.measurements.

The ratings are over the taxonomy's top-level capacity families, not all its
categories: ten questions read well in a form and ten lines of history in a chart,
while the fifty-odd detailed categories would make a form nobody finishes.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from capacity.models import CapacityCategory
from stakeholders.access import can_see_members, organization_role
from stakeholders.models import Membership, Organization, User

from .models import SelfAssessment, SelfAssessmentRating

RATINGS = range(1, 6)
# The history a page draws: the most recent rounds, so a page stays the same size
# however often someone rates themselves.
HISTORY_LIMIT = 24
# The same ratings sent again this soon after a round are that round, sent twice.
REPEAT_WINDOW = timedelta(minutes=2)


def assessable_categories():
    """The capacity families a self-assessment rates, in the taxonomy's order."""
    return CapacityCategory.objects.roots().order_by("position", "slug")


# Access -------------------------------------------------------------------------------


def can_assess_organization(user, organization, *, role=None):
    """Only the organization's admins rate its capacities: it is the organization's own view of itself.

    Stewards do not: a steward's rating would not be a self-assessment.
    """
    if not user.is_authenticated:
        return False
    role = role if role is not None else organization_role(user, organization)
    return role == Membership.Role.ADMIN


def can_see_organization_history(user, organization, *, role=None):
    """The organization's members, whatever their role, and stewards see its self-assessment history."""
    if not user.is_authenticated:
        return False
    role = role if role is not None else organization_role(user, organization)
    return can_see_members(user, role)


def can_see_person_history(user, person):
    """Self-ratings are personal: only the person themselves sees them."""
    return user.is_authenticated and person is not None and user.pk == person.pk


def get_organization_for_assessment(user, slug):
    """An organization its admins may assess; unknown is 404, anyone else 403 (as the workspace answers).

    Organizations are public, so a 403 reveals nothing a reader could not see anyway.
    """
    organization = get_object_or_404(Organization, slug=slug)
    if not can_assess_organization(user, organization):
        raise PermissionDenied
    return organization


# Service ------------------------------------------------------------------------------


def _valid_rating(value):
    # bool is an int in Python; True is not a rating.
    return isinstance(value, int) and not isinstance(value, bool) and value in RATINGS


@transaction.atomic
def self_assessment_record(*, by, ratings, user=None, organization=None, now=None) -> SelfAssessment:
    """Record one round of ratings ({CapacityCategory: 1..5}) for a person or an organization.

    A person rates only themselves; an organization is rated only by its admins. At
    least one capacity must be rated; the others are simply not rated this time.
    """
    if (user is None) == (organization is None):
        raise ValueError("A self-assessment is about a person or an organization, not both.")
    if user is not None and (not by.is_authenticated or user.pk != by.pk):
        raise PermissionDenied
    if organization is not None and not can_assess_organization(by, organization):
        raise PermissionDenied
    ratings = dict(ratings or {})
    if not ratings:
        raise ValidationError(_("Rate at least one capacity."), code="empty")
    if not all(_valid_rating(value) for value in ratings.values()):
        raise ValidationError(_("Each rating is a whole number from 1 to 5."), code="rating")
    allowed = set(assessable_categories().values_list("pk", flat=True))
    if any(getattr(category, "pk", None) not in allowed for category in ratings):
        raise ValidationError(_("One of the capacities rated is not one that can be rated."), code="category")
    assessment = SelfAssessment(user=user, organization=organization, assessed_by=by, assessed_at=now or timezone.now())
    assessment.full_clean()
    assessment.save()
    rows = [
        SelfAssessmentRating(assessment=assessment, category=category, rating=value)
        for category, value in ratings.items()
    ]
    for row in rows:
        row.full_clean(exclude=["assessment", "category"], validate_unique=False, validate_constraints=False)
    SelfAssessmentRating.objects.bulk_create(rows)
    # Owned by the measurements module, which sits beside this one; imported here so
    # that the two can be read (and tested) apart.
    from evaluation.measurements import self_assessment_measure

    self_assessment_measure(assessment_ids=[assessment.pk])
    return assessment


@transaction.atomic
def self_assessment_record_once(*, by, ratings, user=None, organization=None, now=None) -> SelfAssessment:
    """What the pages call: self_assessment_record, except that a second, identical round within
    REPEAT_WINDOW of the last is that round (a double click, a resent form), not a new one.

    A repeated round is not harmless: against the round before it, every capacity it rates
    gains 0, and those zeros would pull down the movement's mean capacity gain. The
    subject's row is locked, so two submissions at the same moment take turns.
    """
    now = now or timezone.now()
    subject = User.objects.filter(pk=user.pk) if user is not None else Organization.objects.filter(pk=organization.pk)
    list(subject.select_for_update().values_list("pk", flat=True))
    mine = {"user": user} if user is not None else {"organization": organization}
    latest = (
        SelfAssessment.objects.filter(**mine, assessed_at__gte=now - REPEAT_WINDOW)
        .order_by("-assessed_at", "-pk")
        .first()
    )
    if latest is not None:
        earlier = dict(latest.ratings.values_list("category_id", "rating"))
        wanted = {getattr(category, "pk", None): value for category, value in dict(ratings or {}).items()}
        if earlier == wanted:
            return latest
    return self_assessment_record(by=by, ratings=ratings, user=user, organization=organization, now=now)


# Selectors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """One assessment of the history, with its ratings by category id."""

    pk: int
    assessed_at: object
    ratings: dict


@dataclass
class Series:
    """One capacity's ratings over time: (assessed_at, rating) pairs, oldest first."""

    category: CapacityCategory
    points: list = field(default_factory=list)


@dataclass
class History:
    categories: list  # every assessable category, in order (the form's questions)
    rounds: list  # Round, oldest first
    series: list  # Series of the categories rated at least once, in the categories' order

    @property
    def is_empty(self):
        return not self.rounds

    @property
    def latest(self):
        """The last round's ratings by category id (the form starts from them)."""
        return self.rounds[-1].ratings if self.rounds else {}

    def table(self):
        """Rows for the data table: (round, [rating or None per charted category])."""
        return [(round_, [round_.ratings.get(s.category.pk) for s in self.series]) for round_ in self.rounds]


def self_assessment_history(*, user=None, organization=None, limit=HISTORY_LIMIT) -> History:
    """A person's or an organization's recent assessments as per-category series, in two queries."""
    if (user is None) == (organization is None):
        raise ValueError("A history is of a person or an organization.")
    categories = list(assessable_categories())
    subject = {"user": user} if user is not None else {"organization": organization}
    recent = SelfAssessment.objects.filter(**subject).order_by("-assessed_at", "-pk").values("pk")[:limit]
    ratings = (
        SelfAssessmentRating.objects.filter(assessment__in=recent)
        .order_by("assessment__assessed_at", "assessment_id", "category_id")
        .values_list("assessment_id", "assessment__assessed_at", "category_id", "rating")
    )
    rounds = {}
    for assessment_id, assessed_at, category_id, rating in ratings:
        round_ = rounds.get(assessment_id) or rounds.setdefault(assessment_id, Round(assessment_id, assessed_at, {}))
        round_.ratings[category_id] = rating
    rounds = list(rounds.values())
    series = []
    for category in categories:
        points = [(r.assessed_at, r.ratings[category.pk]) for r in rounds if category.pk in r.ratings]
        if points:
            series.append(Series(category=category, points=points))
    return History(categories=categories, rounds=rounds, series=series)
