"""The affiliate staff's workspace: their organizations' programs and sessions.

Every view opens its object through programs.access and writes through programs.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from capacity import fragments
from stakeholders.models import Membership

from . import access, selectors, services
from .forms import ProgramForm, SessionForm, add_error_to_form, default_original_language
from .models import Program, PublicationState, ReportState, Session


@login_required
@require_GET
def home(request):
    organizations = list(selectors.workspace_organizations(user=request.user))
    newest = selectors.workspace_newest_programs(organization_ids=[organization.pk for organization in organizations])
    for organization in organizations:
        organization.newest_programs = newest.get(organization.pk, [])
    context = {
        "organizations": organizations,
        # A plain member learns why there is nothing here, and whom to ask.
        "is_member_only": not organizations
        and Membership.objects.filter(user=request.user, role=Membership.Role.MEMBER).exists(),
    }
    return render(request, "programs/workspace/home.html", context)


def _state_filtered_page(request, *, items, choices, counts, page_size):
    """The context of a list filtered by one state, with each state's count and the page.

    The counts already say how many rows the filter keeps, so the paginator does not
    count them again.
    """
    state = request.GET.get("state", "")
    if state not in dict(choices):
        state = ""
    total = sum(counts.values())
    paginator = Paginator(items(state=state), page_size)
    paginator.count = counts[state] if state else total
    return {
        "page": paginator.get_page(request.GET.get("page")),
        "state": state,
        "states": [(value, label, counts[value]) for value, label in choices],
        "total": total,
        "query_without_page": f"state={state}" if state else "",
    }


@login_required
@require_GET
def organization(request, organization_slug):
    organization = access.get_organization_for_workspace(request.user, organization_slug)
    context = _state_filtered_page(
        request,
        items=lambda state: selectors.workspace_programs(organization=organization, state=state),
        choices=PublicationState.choices,
        counts=selectors.workspace_state_counts(organization=organization),
        page_size=selectors.WORKSPACE_PAGE_SIZE,
    )
    return render(request, "programs/workspace/organization.html", {"organization": organization, **context})


@login_required
@require_GET
def reports(request, organization_slug):
    """The organization's sessions that have ended, with their reports or the lack of one."""
    organization = access.get_organization_for_workspace(request.user, organization_slug)
    # One moment for the counts and the page, so they agree on which sessions have ended;
    # on the minute, so the counts can be kept for it.
    counts, now = selectors.cached_workspace_report_counts(
        organization=organization, now=timezone.now().replace(second=0, microsecond=0)
    )
    context = _state_filtered_page(
        request,
        items=lambda state: selectors.workspace_reports(organization=organization, state=state, now=now),
        choices=ReportState.choices,
        counts=counts,
        page_size=selectors.WORKSPACE_REPORTS_PAGE_SIZE,
    )
    context["rows"] = _report_rows(list(context["page"].object_list.values_list("pk", flat=True)))
    return render(request, "programs/workspace/reports.html", {"organization": organization, **context})


def _report_rows(session_ids):
    """The list's rows of these sessions, in order, each rendered once a minute at most.

    A row shows nothing that differs between the members who may see the list (the
    view decides who does); the programs' content version moves on with every change
    to a session, its program or its report.
    """

    def render(missing):
        return {
            session.pk: render_to_string("programs/workspace/_report_row.html", {"session": session})
            for session in selectors.workspace_report_rows(session_ids=missing)
        }

    rows = fragments.cards("workspace-report-row", session_ids, version_key=fragments.VERSION_KEY, render=render)
    return [mark_safe(row) for row in rows]  # noqa: S308 — our own rendering


def _program_form(request, program, *, layout_language, initial=None):
    return ProgramForm(
        request.POST if request.method == "POST" else None,
        instance=program,
        layout_language=layout_language,
        initial=initial,
    )


def _save_program(request, form):
    """Save through program_save; a refusal lands on the form. Returns the program or None."""
    program = form.save(commit=False)
    try:
        return services.program_save(
            program=program, categories=form.cleaned_data["categories"], languages=form.cleaned_data["languages"]
        )
    except ValidationError as error:
        add_error_to_form(form, error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def program_create(request, organization_slug):
    organization = access.get_organization_for_workspace(request.user, organization_slug)
    # The provider comes from the workspace, never from the form.
    program = Program(provider=organization, is_published=False)
    language = default_original_language()
    form = _program_form(
        request,
        program,
        layout_language=language,
        initial={"original_language": language, "region": organization.region},
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_program(request, form)
        if saved is not None:
            messages.success(request, _("The program is saved as a draft. Add its sessions, then publish it."))
            return redirect("workspace:program", slug=saved.slug)
    context = {"organization": organization, "form": form, "is_new": True}
    return render(request, "programs/workspace/program_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request, slug):
    program = access.get_program_for_editing(request.user, slug)
    form = _program_form(request, program, layout_language=program.original_language)
    if request.method == "POST" and form.is_valid():
        saved = _save_program(request, form)
        if saved is not None:
            messages.success(request, _("The program is saved."))
            return redirect("workspace:program", slug=saved.slug)
    # A refused slug is not the program's address: links on the page use the saved one.
    context = {"organization": program.provider, "form": form, "is_new": False, "slug": slug}
    return render(request, "programs/workspace/program_form.html", context)


@login_required
@require_GET
def program(request, slug):
    program = access.get_program_for_editing(request.user, slug)
    page = Paginator(selectors.workspace_sessions(program=program), selectors.WORKSPACE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "organization": program.provider,
        "program": program,
        "page": page,
        "now": timezone.now(),
        "query_without_page": "",
    }
    return render(request, "programs/workspace/program.html", context)


def _change_state(request, slug, service, done):
    program = access.get_program_for_editing(request.user, slug)
    before = program.publication_state
    try:
        changed = service(program=program)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if changed.publication_state == before:
            # A repeated submit, or a button from a page that was out of date.
            messages.info(
                request,
                _("Nothing changed; the program's state is still “%(state)s”.")
                % {"state": changed.publication_state.label},
            )
        else:
            messages.success(request, done)
    return redirect("workspace:program", slug=program.slug)


@login_required
@require_POST
def program_publish(request, slug):
    return _change_state(request, slug, services.program_publish, _("The program is published in the catalog."))


@login_required
@require_POST
def program_unpublish(request, slug):
    return _change_state(
        request, slug, services.program_unpublish, _("The program is a draft again; the catalog no longer shows it.")
    )


@login_required
@require_POST
def program_archive(request, slug):
    return _change_state(request, slug, services.program_archive, _("The program is archived; its records are kept."))


@login_required
@require_POST
def program_restore(request, slug):
    return _change_state(request, slug, services.program_restore, _("The program is restored as a draft."))


def _session_page(request, program, form, session=None, has_ended=False):
    context = {
        "organization": program.provider,
        "program": program,
        "form": form,
        "session": session,
        "has_ended": has_ended,
    }
    return render(request, "programs/workspace/session_form.html", context)


def _save_session(form, session):
    for name, value in form.session_values().items():
        setattr(session, name, value)
    try:
        return services.session_save(session=session, facilitators=form.cleaned_data["facilitators"])
    except ValidationError as error:
        form.add_service_error(error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, slug):
    program = access.get_program_for_editing(request.user, slug)
    form = SessionForm(
        request.POST if request.method == "POST" else None,
        organization=program.provider,
        time_zone=request.user.time_zone,
    )
    if request.method == "POST" and form.is_valid():
        if _save_session(form, Session(program=program)) is not None:
            messages.success(request, _("The session is added."))
            return redirect("workspace:program", slug=program.slug)
    return _session_page(request, program, form)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, slug, session_id):
    session = access.get_session_for_managing(request.user, slug=slug, session_id=session_id)
    program = session.program
    # Read before the form's values are set on the session, in case session_save refuses them.
    has_ended = session.ends_at <= timezone.now()
    form = SessionForm(
        request.POST if request.method == "POST" else None, organization=program.provider, session=session
    )
    if request.method == "POST" and form.is_valid():
        if _save_session(form, session) is not None:
            messages.success(request, _("The session is saved."))
            return redirect("workspace:program", slug=program.slug)
    return _session_page(request, program, form, session=session, has_ended=has_ended)
