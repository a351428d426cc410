"""The Open Badges 2.0 documents: public JSON-LD, outside the language prefix."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from stakeholders.models import Organization

from . import badges
from .models import Certificate, Program

CONTENT_TYPE = "application/ld+json"


def _document(data, *, status=200):
    response = JsonResponse(data, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found():
    return _document({"error": "Not found"}, status=404)


@require_GET
def assertion(request, code):
    """One certificate's hosted assertion; a revoked one answers 410 Gone with the reason."""
    certificate = (
        Certificate.objects.select_related("enrollment__user", "enrollment__session__program").filter(code=code).first()
    )
    if certificate is None:
        return _not_found()
    if certificate.is_revoked:
        return _document(badges.revoked_json(certificate), status=410)
    return _document(badges.assertion_json(certificate))


@require_GET
def badge_class(request, slug):
    """A program's BadgeClass: published programs, and any program that has awarded a badge."""
    program = Program.objects.select_related("provider").prefetch_related("categories").filter(slug=slug).first()
    if program is None or not (
        program.is_published or Certificate.objects.filter(enrollment__session__program=program).exists()
    ):
        return _not_found()
    return _document(badges.badge_class_json(program))


@require_GET
def issuer(request, slug):
    """An organization's Issuer profile; organizations are public."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return _not_found()
    return _document(badges.issuer_json(organization))
