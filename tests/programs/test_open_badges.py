"""Every certificate is an Open Badges 2.0 hosted assertion (docs/standards/open-badges/README.md)."""

import hashlib
import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from capacity.models import CapacityCategory
from programs import badges, services
from programs.models import Certificate
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

CONTEXT = "https://w3id.org/openbadges/v2"
REQUIRED = {
    "Assertion": ("id", "recipient", "badge", "verification", "issuedOn"),
    "BadgeClass": ("id", "name", "description", "image", "criteria", "issuer"),
    "Issuer": ("id", "name", "url"),
}


def fetch(client, url):
    """GET an absolute portal URL through the test client; the document and the response."""
    assert url.startswith(settings.PORTAL_URL + "/"), url
    response = client.get(url.removeprefix(settings.PORTAL_URL))
    body = json.loads(response.content.decode()) if response.content else None
    return response, body


def check_document(client, url, kind):
    """A valid Open Badges document of `kind` served at `url`, whose id is that URL."""
    response, document = fetch(client, url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/ld+json")
    assert document["@context"] == CONTEXT
    assert document["type"] == kind
    missing = [name for name in REQUIRED[kind] if not document.get(name)]
    assert not missing, f"{kind} without {missing}"
    assert document["id"] == url
    return document


def check_assertion(client, url, *, email):
    """What a hosted verifier checks: the assertion, its badge and issuer, origin and recipient."""
    assertion = check_document(client, url, "Assertion")
    recipient = assertion["recipient"]
    assert recipient["type"] == "email"
    assert recipient["hashed"] is True
    assert recipient["salt"]
    expected = "sha256$" + hashlib.sha256((email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == expected
    assert assertion["verification"] == {"type": "hosted"}
    issued_on = datetime.fromisoformat(assertion["issuedOn"])
    assert issued_on.tzinfo is not None
    badge_class = check_document(client, assertion["badge"], "BadgeClass")
    assert badge_class["image"].startswith(("http://", "https://"))
    assert badge_class["criteria"]["narrative"]
    issuer = check_document(client, badge_class["issuer"], "Issuer")
    assert issuer["url"].startswith(("http://", "https://"))
    origin = urlsplit(issuer["id"])
    assert (urlsplit(assertion["id"]).scheme, urlsplit(assertion["id"]).netloc) == (origin.scheme, origin.netloc)
    assert "revoked" not in assertion
    return assertion, badge_class, issuer


@pytest.fixture
def certificate(volunteer, program):
    session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))
    enrollment = services.enrollment_create(
        user=volunteer, session=session, now=timezone.now() - timedelta(days=2)
    ).enrollment
    return services.enrollment_complete(enrollment=enrollment)


def revoke_url(certificate):
    enrollment = certificate.enrollment
    session = enrollment.session
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/{enrollment.pk}/revoke/"


def test_a_certificate_is_a_valid_hosted_assertion(client, certificate, volunteer):
    url = badges.assertion_url(certificate)
    assert url == f"{settings.PORTAL_URL}/badges/assertions/{certificate.code}.json"
    assertion, badge_class, issuer = check_assertion(client, url, email=volunteer.email)
    assert assertion["evidence"].startswith(settings.PORTAL_URL)
    assert certificate.code in assertion["evidence"]
    assert badge_class["name"] == "Wikidata basics"
    assert issuer["name"] == certificate.enrollment.session.program.provider.name


def test_the_assertion_never_contains_the_email(client, certificate, volunteer):
    response = client.get(badges.assertion_url(certificate).removeprefix(settings.PORTAL_URL))
    assert volunteer.email not in response.content.decode()
    assert volunteer.email.split("@")[0] + "@" not in response.content.decode()


def test_each_certificate_has_its_own_salt(certificate, volunteer):
    other = ProgramFactory(provider=certificate.enrollment.session.program.provider)
    session = SessionFactory(program=other, starts_at=timezone.now() - timedelta(hours=1))
    enrollment = services.enrollment_create(
        user=volunteer, session=session, now=timezone.now() - timedelta(days=2)
    ).enrollment
    second = services.enrollment_complete(enrollment=enrollment)
    assert second.badge_salt != certificate.badge_salt
    first_identity = badges.assertion_json(certificate)["recipient"]["identity"]
    assert badges.assertion_json(second)["recipient"]["identity"] != first_identity


def test_the_badge_class_aligns_to_the_programs_capacities(client, program):
    category = CapacityCategory.objects.first()
    program.categories.add(category)
    document = check_document(client, badges.badge_class_url(program), "BadgeClass")
    names = [target["targetName"] for target in document["alignment"]]
    assert category.name in names
    assert len(names) == program.categories.count()
    assert all(target["targetUrl"].startswith("http") for target in document["alignment"])


def test_the_badge_image_is_served_from_static(program):
    image = badges.badge_class_json(program)["image"]
    assert image.endswith(".svg")
    assert (settings.BASE_DIR / "static" / "img" / "open-badge.svg").exists()


def test_a_title_with_quotes_and_arabic_is_valid_json(client, volunteer, organization):
    title = 'ويكي بيانات "للمبتدئين" \\ </script>'
    program = ProgramFactory(provider=organization, original_title=title)
    session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))
    enrollment = services.enrollment_create(
        user=volunteer, session=session, now=timezone.now() - timedelta(days=2)
    ).enrollment
    certificate = services.enrollment_complete(enrollment=enrollment)
    _, badge_class, _ = check_assertion(client, badges.assertion_url(certificate), email=volunteer.email)
    assert badge_class["name"] == title


def test_unknown_documents_are_404_json(client):
    for path in ("/badges/assertions/nope.json", "/badges/programs/nope.json", "/badges/issuers/nope.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert json.loads(response.content)["error"]


def test_a_draft_program_without_badges_is_not_found(client, organization):
    draft = ProgramFactory(provider=organization, is_published=False)
    assert client.get(f"/badges/programs/{draft.slug}.json").status_code == 404


def test_the_badge_class_of_an_unpublished_program_still_resolves_for_its_badges(client, certificate):
    program = certificate.enrollment.session.program
    services.program_unpublish(program=program)
    assert client.get(f"/badges/programs/{program.slug}.json").status_code == 200


def test_the_documents_are_read_only(client, certificate):
    assert client.post(f"/badges/assertions/{certificate.code}.json").status_code == 405


def test_the_certificate_page_links_the_open_badge(client, certificate):
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert f"/badges/assertions/{certificate.code}.json" in html
    assert "Open Badge (for badge backpacks)" in html


@pytest.mark.parametrize("persona", ["staff", "affiliate_admin", "steward"])
def test_a_manager_revokes_a_certificate(client, request, persona, certificate):
    client.force_login(request.getfixturevalue(persona))
    session = certificate.enrollment.session
    page = client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/").content.decode()
    assert revoke_url(certificate) in page
    response = client.post(revoke_url(certificate), {"reason": "Did not attend the last part"}, follow=True)
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revocation_reason == "Did not attend the last part"
    badge = client.get(f"/badges/assertions/{certificate.code}.json")
    assert badge.status_code == 410
    body = json.loads(badge.content)
    assert body["revoked"] is True
    assert body["revocationReason"] == "Did not attend the last part"
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert "This certificate was revoked on" in html
    assert "Did not attend the last part" in html
    assert f"/badges/assertions/{certificate.code}.json" not in html


@pytest.mark.parametrize(("persona", "status"), [("volunteer", 403), ("other_staff", 403)])
def test_others_cannot_revoke(client, request, persona, status, certificate):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(revoke_url(certificate), {"reason": "Because"}).status_code == status
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    assert client.get(f"/badges/assertions/{certificate.code}.json").status_code == 200


def test_anonymous_people_cannot_revoke(client, certificate):
    response = client.post(revoke_url(certificate), {"reason": "Because"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_the_service_refuses_someone_who_does_not_manage_the_program(other_staff, certificate):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=certificate, by=other_staff, reason="Because")
    certificate.refresh_from_db()
    assert not certificate.is_revoked


@pytest.mark.parametrize(
    "reason", ["", "   ", "Line one\r\nLine two", "Line one\nLine two", "bidi \u202e trick", "x" * 201]
)
def test_a_bad_reason_is_refused_and_changes_nothing(client, staff, certificate, reason):
    client.force_login(staff)
    response = client.post(revoke_url(certificate), {"reason": reason}, follow=True)
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    assert certificate.revocation_reason == ""
    assert list(response.context["messages"])[0].level_tag == "error"


def test_revoking_twice_is_refused(staff, certificate):
    services.certificate_revoke(certificate=certificate, by=staff, reason="First")
    with pytest.raises(services.EnrollmentError):
        services.certificate_revoke(certificate=certificate, by=staff, reason="Second")
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "First"


def test_revoking_an_enrollment_without_a_certificate_is_not_found(client, staff, program, volunteer):
    session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))
    enrollment = services.enrollment_create(
        user=volunteer, session=session, now=timezone.now() - timedelta(days=2)
    ).enrollment
    client.force_login(staff)
    url = f"/en/programs/{program.slug}/sessions/{session.pk}/participants/{enrollment.pk}/revoke/"
    assert client.post(url, {"reason": "Because"}).status_code == 404
    assert not Certificate.objects.filter(revoked_at__isnull=False).exists()


def test_the_revoke_form_is_a_post_only_door(client, staff, certificate):
    client.force_login(staff)
    assert client.get(revoke_url(certificate)).status_code == 405
