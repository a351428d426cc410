"""One door per kind of object: return it if the person may act on it, else 404/403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Enrollment, Session


def can_manage_program(user, program):
    """Stewards, and staff or admins of the program's provider, manage its sessions."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(organization_id=program.provider_id).exists()


def get_session_for_managing(user, *, slug, session_id):
    session = get_object_or_404(Session.objects.select_related("program__provider"), pk=session_id, program__slug=slug)
    if not can_manage_program(user, session.program):
        raise PermissionDenied
    return session


def get_own_enrollment(user, *, enrollment_id):
    """A person reaches only their own enrollments; anyone else's is simply not found."""
    return get_object_or_404(Enrollment.objects.select_related("session__program"), pk=enrollment_id, user=user)


def get_enrollment_for_managing(user, *, session, enrollment_id):
    return get_object_or_404(Enrollment.objects.select_related("user"), pk=enrollment_id, session=session)
