"""Self-assessment pages and the {% assessment_history %} tag: who reaches them, what a POST changes, the markup."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from capacity.models import CapacityCategory
from evaluation.assessment import self_assessment_record
from evaluation.models import SelfAssessment
from stakeholders.models import Membership
from tests.factories import MembershipFactory, UserFactory

MINE = "assessment:mine"


@pytest.fixture
def member(organization):
    """Plain member of `organization`: sees its self-assessment history, does not rate it."""
    return MembershipFactory(
        organization=organization, user=UserFactory(username="member"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def other_admin(other_organization):
    """Admin of another organization: no say over `organization`."""
    return MembershipFactory(
        organization=other_organization, user=UserFactory(username="otheradmin"), role=Membership.Role.ADMIN
    ).user


@pytest.fixture
def communication(db):
    return CapacityCategory.objects.get(slug="communication")


@pytest.fixture
def governance(db):
    return CapacityCategory.objects.get(slug="governance")


def org_url(organization):
    return reverse("assessment:organization", args=[organization.slug])


class Markup(HTMLParser):
    """The page's elements with their attributes, and the text of a few of them."""

    def __init__(self, html):
        super().__init__()
        self.elements = []
        self.text = {"legend": [], "title": [], "caption": []}
        self._open = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in self.text:
            self._open.append(tag)
            self.text[tag].append("")

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.text[self._open[-1]][-1] += data

    def all(self, tag, **attrs):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def _rated(volunteer, ratings, times=1):
    return [self_assessment_record(by=volunteer, user=volunteer, ratings=ratings) for _ in range(times)]


# --- the person's page ---------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(reverse(MINE))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse(MINE), {"capacity-communication": "3"}).status_code == 302
    assert not SelfAssessment.objects.exists()


def test_the_form_asks_one_radio_group_per_capacity_family(client, volunteer):
    client.force_login(volunteer)
    response = client.get(reverse(MINE))
    assert response.status_code == 200
    page = Markup(response.content.decode())
    assert len(page.all("fieldset")) == 10
    assert "Communication" in [text.strip() for text in page.text["legend"]]
    radios = page.all("input", type="radio")
    assert len(radios) == 10 * 6  # "not rated" and 1–5
    labelled = {a.get("for") for a in page.all("label")}
    assert all(radio["id"] in labelled for radio in radios)
    # Nothing rated yet: each group starts on "not rated".
    checked = [r for r in radios if "checked" in r]
    assert len(checked) == 10 and all(r["value"] == "" for r in checked)
    assert "No ratings yet" in response.content.decode()


def test_the_form_starts_from_the_last_round(client, volunteer, communication, governance):
    self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 2, governance: 2})
    self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 4})
    client.force_login(volunteer)
    page = Markup(client.get(reverse(MINE)).content.decode())
    checked = {r["name"]: r["value"] for r in page.all("input", type="radio") if "checked" in r}
    assert checked["capacity-communication"] == "4"
    assert checked["capacity-governance"] == ""  # not rated in the last round


def test_a_person_saves_a_round(client, volunteer, communication):
    client.force_login(volunteer)
    response = client.post(reverse(MINE), {"capacity-communication": "3", "capacity-governance": ""})
    assert response.status_code == 302 and response["Location"] == reverse(MINE)
    assessment = SelfAssessment.objects.get()
    assert assessment.user == volunteer and assessment.assessed_by == volunteer
    assert list(assessment.ratings.values_list("category", "rating")) == [(communication.pk, 3)]


def test_an_empty_round_is_refused_with_a_message(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse(MINE), {})
    assert response.status_code == 400
    assert "Rate at least one capacity" in response.content.decode()
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("value", ["0", "6", "x", "-1", "3.5", "9" * 400, "<script>alert(1)</script>", "\x00"])
def test_a_rating_a_browser_could_send_but_not_1_to_5_is_refused(client, volunteer, value):
    client.force_login(volunteer)
    response = client.post(reverse(MINE), {"capacity-communication": value, "capacity-governance": "2"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "<script>alert" not in response.content.decode()
    assert not SelfAssessment.objects.exists()


def test_an_unknown_capacity_in_the_post_is_ignored(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse(MINE), {"capacity-ghost": "3", "capacity-999999": "3"})
    assert response.status_code == 400
    assert not SelfAssessment.objects.exists()


def test_another_persons_id_in_the_post_changes_nothing_but_ones_own(client, volunteer, staff, organization):
    client.force_login(volunteer)
    client.post(
        reverse(MINE),
        {"capacity-communication": "5", "user": staff.pk, "user_id": staff.pk, "organization": organization.pk},
    )
    assessment = SelfAssessment.objects.get()
    assert assessment.user == volunteer and assessment.organization is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, volunteer, organization, affiliate_admin, method):
    client.force_login(volunteer)
    assert getattr(client, method)(reverse(MINE)).status_code == 405
    client.force_login(affiliate_admin)
    assert getattr(client, method)(org_url(organization)).status_code == 405


def test_the_history_shows_as_charts_with_their_table(client, volunteer, communication, governance):
    self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 2})
    self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 3, governance: 4})
    client.force_login(volunteer)
    html = client.get(reverse(MINE)).content.decode()
    page = Markup(html)
    charts = page.all("svg", role="img")
    assert len(charts) == 2  # the two capacities rated
    ids = {a.get("id") for _, a in page.elements}
    for chart in charts:
        assert all(part in ids for part in chart["aria-labelledby"].split())
    assert any("Communication" in title for title in page.text["title"])
    assert [c.strip() for c in page.text["caption"]] == ["Your self-ratings by date"]
    assert len(page.all("th", scope="col")) == 3  # date, communication, governance
    assert len(page.all("th", scope="row")) == 2
    assert "not rated" in html  # governance in the first round, for screen readers
    assert all("src" in a for a in page.all("script")) and not page.all("style")
    assert not [a for _, a in page.elements if "style" in a]


def test_the_chart_is_mirrored_in_arabic(client, volunteer, communication):
    _rated(volunteer, {communication: 3}, times=2)
    client.force_login(volunteer)
    with translation.override("ar"):
        url = reverse(MINE)
    page = Markup(client.get(url).content.decode())
    axis = [a for a in page.all("text") if a.get("class") == "axis"]
    assert axis[0]["text-anchor"] == "start"  # the 1–5 scale stands on the right, at the inline start


@pytest.mark.parametrize("rounds", [3, 30])
def test_the_page_runs_a_fixed_number_of_queries(
    client, volunteer, communication, governance, rounds, django_assert_max_num_queries
):
    for number in range(rounds):
        self_assessment_record(by=volunteer, user=volunteer, ratings={communication: 1 + number % 5, governance: 2})
    client.force_login(volunteer)
    with django_assert_max_num_queries(6):
        assert client.get(reverse(MINE)).status_code == 200


# --- the organization's page ---------------------------------------------------------


def test_an_admin_rates_the_organization(client, organization, affiliate_admin, communication):
    client.force_login(affiliate_admin)
    assert client.get(org_url(organization)).status_code == 200
    response = client.post(org_url(organization), {"capacity-communication": "4"})
    assert response.status_code == 302 and response["Location"] == org_url(organization)
    assessment = SelfAssessment.objects.get()
    assert assessment.organization == organization and assessment.user is None
    assert assessment.assessed_by == affiliate_admin


@pytest.mark.parametrize("persona", ["staff", "member", "other_admin", "other_staff", "volunteer", "steward"])
def test_anyone_but_its_admins_is_refused(request, client, organization, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(org_url(organization)).status_code == 403
    assert client.post(org_url(organization), {"capacity-communication": "4"}).status_code == 403
    assert not SelfAssessment.objects.exists()


def test_anonymous_people_are_sent_to_sign_in_for_an_organization(client, organization):
    response = client.post(org_url(organization), {"capacity-communication": "4"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not SelfAssessment.objects.exists()


def test_an_unknown_organization_is_not_found(client, affiliate_admin):
    client.force_login(affiliate_admin)
    assert client.get(reverse("assessment:organization", args=["no-such-org"])).status_code == 404


def test_an_organization_id_in_the_post_does_not_move_the_round(
    client, organization, other_organization, affiliate_admin
):
    client.force_login(affiliate_admin)
    client.post(org_url(organization), {"capacity-communication": "4", "organization": other_organization.pk})
    assert SelfAssessment.objects.get().organization == organization


@pytest.mark.parametrize("rounds", [3, 30])
def test_the_organization_page_runs_a_fixed_number_of_queries(
    client, organization, affiliate_admin, communication, rounds, django_assert_max_num_queries
):
    for number in range(rounds):
        self_assessment_record(by=affiliate_admin, organization=organization, ratings={communication: 1 + number % 5})
    client.force_login(affiliate_admin)
    with django_assert_max_num_queries(8):
        assert client.get(org_url(organization)).status_code == 200


# --- the template tag ----------------------------------------------------------------


def _tag(viewer, **subject):
    name = "person" if "person" in subject else "organization"
    request = RequestFactory().get("/")
    request.user = viewer
    template = Template("{% load assessment %}{% assessment_history " + name + "=subject %}")
    return template.render(Context({"request": request, "subject": next(iter(subject.values()))}))


def test_a_persons_chart_is_shown_to_them_alone(volunteer, staff, steward, communication):
    _rated(volunteer, {communication: 3}, times=2)
    mine = _tag(volunteer, person=volunteer)
    assert 'role="img"' in mine and reverse(MINE) in mine
    for viewer in (staff, steward, AnonymousUser()):
        assert _tag(viewer, person=volunteer).strip() == ""


def test_a_person_without_ratings_is_invited_to_rate(volunteer):
    html = _tag(volunteer, person=volunteer)
    assert "not rated your capacities yet" in html and reverse(MINE) in html


@pytest.mark.parametrize("persona", ["member", "staff", "affiliate_admin", "steward"])
def test_an_organizations_chart_is_shown_to_its_members_and_stewards(request, organization, communication, persona):
    admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
    self_assessment_record(by=admin, organization=organization, ratings={communication: 3})
    html = _tag(request.getfixturevalue(persona), organization=organization)
    assert 'role="img"' in html
    # Only its admins get the link to rate it.
    assert (org_url(organization) in html) == (persona == "affiliate_admin")


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "other_admin", "funder"])
def test_an_organizations_chart_is_hidden_from_everyone_else(
    request, organization, affiliate_admin, communication, persona
):
    self_assessment_record(by=affiliate_admin, organization=organization, ratings={communication: 3})
    assert _tag(request.getfixturevalue(persona), organization=organization).strip() == ""
    assert _tag(AnonymousUser(), organization=organization).strip() == ""


def test_the_tag_adds_a_fixed_number_of_queries(volunteer, communication, django_assert_max_num_queries):
    _rated(volunteer, {communication: 3}, times=30)
    with django_assert_max_num_queries(2):
        _tag(volunteer, person=volunteer)


def test_the_tag_shows_nothing_without_exactly_one_subject(volunteer, organization):
    request = RequestFactory().get("/")
    request.user = volunteer
    both = Template("{% load assessment %}{% assessment_history person=volunteer organization=organization %}")
    neither = Template("{% load assessment %}{% assessment_history %}")
    context = {"request": request, "volunteer": volunteer, "organization": organization}
    assert both.render(Context(context)).strip() == ""
    assert neither.render(Context(context)).strip() == ""
    assert (
        Template("{% load assessment %}{% assessment_history person=volunteer %}")
        .render(Context({"volunteer": volunteer}))
        .strip()
        == ""
    )  # no request, no viewer
