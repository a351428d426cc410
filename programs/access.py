"""One door per kind of object: return it if the person may act on it, else 404/403."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from stakeholders.models import Organization

from .models import Enrollment, ImportUpload, Program, Session


def can_manage_program(user, program):
    """Stewards, and staff or admins of the program's provider, manage its sessions."""
    return _manages(user, organization_id=program.provider_id)


def can_manage_organization(user, organization):
    """Stewards, and the organization's staff and admins, run its programs; plain members do not."""
    return _manages(user, organization_id=organization.pk)


def _manages(user, *, organization_id):
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.memberships.managing().filter(organization_id=organization_id).exists()


def get_organization_for_workspace(user, slug):
    """An organization whose workspace the person may open; unknown is 404, anyone else 403.

    Organizations are public, so a 403 reveals nothing a reader could not see anyway.
    """
    organization = get_object_or_404(Organization.objects.select_related("region"), slug=slug)
    if not can_manage_organization(user, organization):
        raise PermissionDenied
    return organization


def get_program_for_editing(user, slug):
    """A program its provider's staff and admins (or a steward) may change; others get 403.

    A draft or archived program is not found for anyone else, as its public page is not:
    answering 403 would tell an outsider that it exists.
    """
    program = get_object_or_404(Program.objects.select_related("provider", "original_language", "region"), slug=slug)
    _require_manager(user, program)
    return program


def _require_manager(user, program):
    """Let the program's managers through; a program that is not public is not found for anyone else."""
    if not can_manage_program(user, program):
        if not program.is_published:
            raise Http404
        raise PermissionDenied


def get_session_for_enrolling(*, slug, session_id):
    """A session of a published program, the only kind anyone may enroll in."""
    return get_object_or_404(
        Session.objects.select_related("program"), pk=session_id, program__slug=slug, program__is_published=True
    )


def get_session_for_managing(user, *, slug, session_id):
    """A session its organizers may manage; others get 403, or 404 where the program is not public.

    An unpublished program's page is not found, so its participant list must not
    answer differently and reveal that it exists.
    """
    session = get_object_or_404(
        Session.objects.select_related("program__provider", "program__original_language"),
        pk=session_id,
        program__slug=slug,
    )
    _require_manager(user, session.program)
    return session


def get_session_for_reporting(user, *, session_id):
    """A session its organizers may report on, reached by id alone; others as with get_session_for_managing."""
    session = get_object_or_404(
        Session.objects.select_related("program__provider", "program__original_language"), pk=session_id
    )
    _require_manager(user, session.program)
    return session


def get_own_enrollment(user, *, enrollment_id, cancelled=True):
    """A person reaches only their own enrollments; anyone else's is simply not found."""
    enrollments = Enrollment.objects.select_related(
        "session__program__provider", "session__program__original_language"
    ).filter(user=user)
    if not cancelled:
        enrollments = enrollments.exclude(status=Enrollment.Status.CANCELLED)
    return get_object_or_404(enrollments, pk=enrollment_id)


def get_enrollment_for_managing(user, *, session, enrollment_id):
    """An enrollment in a session already opened with get_session_for_managing."""
    # A deleted account's enrollment is an anonymous count: nobody manages it any more.
    return get_object_or_404(Enrollment.objects.of_people().select_related("user"), pk=enrollment_id, session=session)


def get_calendar_owner(*, token):
    """The active person whose private calendar feed this token opens."""
    return get_object_or_404(get_user_model(), calendar_token=token, is_active=True)


def get_import_upload(organization, upload_id):
    """An upload of an organization already opened with get_organization_for_workspace; another's is not found."""
    return get_object_or_404(
        ImportUpload.objects.select_related("organization", "uploaded_by"), pk=upload_id, organization=organization
    )
