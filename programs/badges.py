"""Open Badges 2.0 documents for certificates: pure functions from rows to JSON-LD dicts.

Every certificate is a hosted assertion (docs/standards/open-badges/README.md): its
program is the BadgeClass and the provider organization the Issuer. URLs are absolute,
built from settings.PORTAL_URL, and outside the language prefix so they never change.
"""

import hashlib
from datetime import UTC, datetime, time

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

CONTEXT = "https://w3id.org/openbadges/v2"
BADGE_IMAGE = "img/open-badge.svg"


def absolute(path):
    """An absolute URL on the portal for a path (a URL that already is absolute is kept)."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.PORTAL_URL + path


def _page_url(name, **kwargs):
    # Pages live under the language prefix: the badge documents point at the default one.
    with translation.override(settings.LANGUAGE_CODE):
        return absolute(reverse(name, kwargs=kwargs))


def assertion_url(certificate):
    return absolute(reverse("badges:assertion", kwargs={"code": certificate.code}))


def badge_class_url(program):
    return absolute(reverse("badges:badge_class", kwargs={"slug": program.slug}))


def issuer_url(organization):
    return absolute(reverse("badges:issuer", kwargs={"slug": organization.slug}))


def hashed_identity(email, salt):
    """The recipient identity of a hashed assertion: "sha256$" and the hex digest of email+salt."""
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def issued_on(certificate):
    """When the badge was awarded, ISO 8601 with its time zone."""
    completed_at = certificate.enrollment.completed_at
    if completed_at is None:
        completed_at = datetime.combine(certificate.completed_on, time(0, 0), tzinfo=UTC)
    return completed_at.astimezone(UTC).isoformat()


def assertion_json(certificate):
    """The hosted assertion of one certificate; its recipient's email appears only hashed."""
    enrollment = certificate.enrollment
    document = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(certificate),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": certificate.badge_salt,
            "identity": hashed_identity(enrollment.user.email.strip().lower(), certificate.badge_salt),
        },
        "badge": badge_class_url(enrollment.session.program),
        "verification": {"type": "hosted"},
        "issuedOn": issued_on(certificate),
        "evidence": _page_url("certificates:verify", code=certificate.code),
        "narrative": f"{certificate.holder_name} completed {certificate.program_title}.",
    }
    return document


def revoked_json(certificate):
    """What a revoked assertion answers instead of the award (with HTTP 410)."""
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(certificate),
        "revoked": True,
        "revocationReason": certificate.revocation_reason,
    }


def badge_class_json(program):
    """What completing a program means; the program's original title and summary."""
    program_url = _page_url("programs:detail", slug=program.slug)
    document = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(program),
        "name": program.original_title,
        "description": program.original_summary,
        "image": absolute(static(BADGE_IMAGE)),
        "criteria": {
            "id": program_url,
            "narrative": f"Complete a session of {program.original_title}, offered by {program.provider.name}.",
        },
        "issuer": issuer_url(program.provider),
    }
    alignment = [_alignment(category) for category in program.categories.all()]
    if alignment:
        document["alignment"] = alignment
    return document


def _alignment(category):
    target = {"targetName": category.name, "targetCode": category.slug}
    if category.wikidata_qid:
        target["targetUrl"] = f"https://www.wikidata.org/wiki/{category.wikidata_qid}"
        target["targetFramework"] = "Wikidata"
    else:
        target["targetUrl"] = _page_url("programs:catalog") + f"?category={category.slug}"
    if category.description:
        target["targetDescription"] = category.description
    return target


def issuer_json(organization):
    """Who awards the badges: the provider organization (it has no public email to give)."""
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(organization),
        "name": organization.name,
        "url": _page_url("organizations:detail", slug=organization.slug),
    }
