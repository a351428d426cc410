"""Activity reports of sessions: the form, the Dashboard course import, and the CSV downloads."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import exports, selectors, services
from .access import get_organization_for_workspace, get_session_for_reporting
from .models import DASHBOARD_FIGURES, ActivityReport
from .report_forms import DashboardUploadForm, ReportForm

# Shown apart from the figures: a link and free text.
TEXT_FIELDS = ("evidence_url", "notes")


def _labelled(report, fields):
    """[(label, value), …] of a report's fields, labelled as the model names them."""
    if report is None:
        return []
    return [(capfirst(ActivityReport._meta.get_field(name).verbose_name), getattr(report, name)) for name in fields]


def _report_page(request, session, report, *, form=None, upload_form=None):
    # Why no report can be written (a cancelled session, one not started yet), from the
    # same rules report_save applies; the page then shows that instead of the form.
    closed_reason = services.report_problems(session=session, values={}).get("__all__")
    if form is None and not closed_reason:
        form = ReportForm(session=session, initial=ReportForm.initial_from(report))
    if upload_form is None and session.dashboard_course and not closed_reason:
        upload_form = DashboardUploadForm(session=session)
    context = {
        "session": session,
        "program": session.program,
        "report": report,
        "figures": _labelled(report, [name for name in services.REPORT_FIGURES if name not in TEXT_FIELDS]),
        "labels": {name: capfirst(ActivityReport._meta.get_field(name).verbose_name) for name in TEXT_FIELDS},
        "dashboard_figures": _labelled(report, DASHBOARD_FIGURES),
        "closed_reason": closed_reason,
        "form": None if closed_reason else form,
        "upload_form": upload_form,
        "shared_demographics": selectors.shared_demographics(session=session, minimum=settings.K_ANONYMITY_DEMOGRAPHIC),
    }
    return render(request, "programs/reports/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report(request, session_id):
    session = get_session_for_reporting(request.user, session_id=session_id)
    report = selectors.report_for_session(session=session)
    if request.method != "POST":
        return _report_page(request, session, report)
    form = ReportForm(request.POST, session=session)
    if form.is_valid():
        try:
            services.report_save(session=session, values=form.cleaned_data, by=request.user)
        except ValidationError as error:
            # Someone else's change since the form was checked (say, the session was cancelled).
            form.add_error(None, error)
        else:
            messages.success(request, _("The activity report is saved."))
            return redirect("reports:report", session_id=session.pk)
    return _report_page(request, session, report, form=form)


@login_required
@require_POST
def dashboard_import(request, session_id):
    session = get_session_for_reporting(request.user, session_id=session_id)
    form = DashboardUploadForm(request.POST, request.FILES, session=session)
    if form.is_valid():
        try:
            services.dashboard_figures_apply(session=session, course=form.cleaned_data["course"], by=request.user)
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            messages.success(
                request,
                _("The figures of the Dashboard course %(course)s are imported.")
                % {"course": form.cleaned_data["course"]["course_slug"]},
            )
            return redirect("reports:report", session_id=session.pk)
    report = selectors.report_for_session(session=session)
    return _report_page(request, session, report, upload_form=form)


@login_required
@require_GET
def participants_csv(request, session_id):
    session = get_session_for_reporting(request.user, session_id=session_id)
    people = selectors.participants_for_session(session=session)
    return exports.csv_response(
        filename=f"participants-{session.program.slug}-{session.pk}.csv",
        header=exports.PARTICIPANT_HEADER,
        rows=exports.participant_rows(people),
    )


@login_required
@require_GET
def report_csv(request, session_id):
    session = get_session_for_reporting(request.user, session_id=session_id)
    report = selectors.report_for_session(session=session)
    if report is None:
        raise Http404
    return exports.csv_response(
        filename=f"report-{session.program.slug}-{session.pk}.csv",
        header=exports.REPORT_HEADER,
        rows=exports.report_rows(ActivityReport.objects.filter(pk=report.pk)),
    )


@login_required
@require_GET
def organization_reports_csv(request, slug):
    organization = get_organization_for_workspace(request.user, slug)
    reports = selectors.reports_for_organization(organization=organization)
    return exports.csv_response(
        filename=f"reports-{organization.slug}.csv",
        header=exports.REPORT_HEADER,
        # Read in chunks as the file is sent: an organization may have a hundred thousand.
        rows=exports.report_rows(reports),
    )
