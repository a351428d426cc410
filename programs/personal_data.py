"""A person's places in sessions, certificates, facilitation and staff work, for their download.

Collected by stakeholders.personal_data.everything_about; see its docstring.
"""

from django.urls import reverse

from .models import ActivityReport, Certificate, Enrollment, ImportUpload, PersonDemographics


def _when(moment):
    return moment.isoformat() if moment else None


def collect(user) -> dict:
    enrollments = (
        Enrollment.objects.filter(user=user).select_related("session__program").order_by("session__starts_at", "pk")
    )
    certificates = Certificate.objects.filter(enrollment__user=user).order_by("pk")
    return {
        "enrollments": [
            {
                "program": enrollment.session.program.slug,
                "program_title": enrollment.session.program.original_title,
                "session_starts": _when(enrollment.session.starts_at),
                "session_ends": _when(enrollment.session.ends_at),
                "status": enrollment.status,
                "attendance": enrollment.attendance,
                "enrolled": _when(enrollment.created_at),
                "joined_waiting_list": _when(enrollment.waitlisted_at),
                "completed": _when(enrollment.completed_at),
            }
            for enrollment in enrollments
        ],
        "certificates": [
            {
                "code": certificate.code,
                "verification_page": reverse("certificates:verify", kwargs={"code": certificate.code}),
                "holder_name": certificate.holder_name,
                "program_title": certificate.program_title,
                "provider_name": certificate.provider_name,
                "completed_on": certificate.completed_on.isoformat(),
                "revoked": certificate.revoked_at is not None,
            }
            for certificate in certificates
        ],
        "sessions_facilitated": [
            {"program": session.program.slug, "starts": _when(session.starts_at)}
            for session in user.facilitated_sessions.select_related("program").order_by("starts_at", "pk")
        ],
        "activity_reports_submitted": [
            {"program": report.session.program.slug, "session_starts": _when(report.session.starts_at)}
            for report in ActivityReport.objects.filter(submitted_by=user)
            .select_related("session__program")
            .order_by("session__starts_at", "pk")
        ],
        "files_imported": [
            {
                "organization": upload.organization.slug,
                "kind": upload.kind,
                "file_name": upload.original_filename,
                "uploaded": _when(upload.created_at),
                "imported": _when(upload.committed_at),
            }
            for upload in ImportUpload.objects.filter(uploaded_by=user).select_related("organization").order_by("pk")
        ],
        "demographics": _demographics(user),
    }


def _demographics(user):
    demographics = PersonDemographics.objects.filter(user=user).first()
    if demographics is None:
        return None
    return {
        "consent_given": _when(demographics.consented_at),
        "gender": demographics.gender or None,
        "age_band": demographics.age or None,
    }
