from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from capacity import fragments
from capacity.models import CapacityCategory, Region
from stakeholders.models import Organization
from stakeholders.services import user_calendar_token_reset

from . import selectors, services
from .access import (
    can_manage_program,
    get_calendar_owner,
    get_enrollment_for_managing,
    get_own_enrollment,
    get_session_for_enrolling,
    get_session_for_managing,
)
from .calendars import calendar_for
from .models import Certificate, Enrollment

ORGANIZATIONS_PER_PAGE = 24


@require_GET
def home(request):
    regions = Region.objects.annotate(organization_count=Count("organizations", distinct=True))
    categories = CapacityCategory.objects.roots().prefetch_related(
        Prefetch("children", queryset=CapacityCategory.objects.order_by("position", "slug"))
    )
    context = {
        "regions": regions,
        "categories": categories,
        "programs": selectors.upcoming_programs_for_home(limit=6),
    }
    return render(request, "programs/home.html", context)


@require_GET
def catalog(request):
    key = fragments.fragment_key("catalog", sorted(request.GET.lists()))
    body = fragments.get(key)
    if body is None:
        # A page not cached yet costs the option counts, a dozen aggregate queries: past
        # a per-client rate (a flood of distinct searches) the list comes without them.
        with_counts = not is_ratelimited(
            request, group="programs:catalog", key="ip", rate=settings.CATALOG_FULL_PAGES_RATE, increment=True
        )
        result = selectors.catalog(data=request.GET, page_number=request.GET.get("page"), with_counts=with_counts)
        query = request.GET.copy()
        query.pop("page", None)
        context = {"catalog": result, "page": result.page, "query_without_page": query.urlencode()}
        body = render_to_string("programs/_catalog_body.html", context, request=request)
        if with_counts:
            fragments.put(key, body)
    return render(request, "programs/catalog.html", {"body": mark_safe(body)})  # noqa: S308 — our own rendering


@require_GET
def detail(request, slug):
    # Anonymous readers all see the same page: it is rendered once a minute at most.
    # People who are signed in see their own enrollments, so theirs is rendered each time.
    key = None if request.user.is_authenticated else fragments.fragment_key("program", slug)
    page = fragments.get(key) if key else None
    if page is None:
        program = selectors.program_for_page(slug=slug)
        if program is None:
            raise Http404
        now = timezone.now()
        sessions = [session for session in program.sessions.all() if session.ends_at >= now]
        mine = selectors.enrollments_by_session(user=request.user, sessions=sessions)
        rows = [
            {"session": session, "enrollment": mine.get(session.pk), "state": session.enrollment_state(now)}
            for session in sessions
        ]
        context = {
            "program": program,
            "rows": rows,
            "can_manage": can_manage_program(request.user, program),
            "login_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
        }
        page = {
            "title": program.shown("title").text,
            "body": render_to_string("programs/_detail_body.html", context, request=request),
        }
        if key:
            fragments.put(key, page)
    context = {"title": page["title"], "body": mark_safe(page["body"])}  # noqa: S308 — our own rendering
    return render(request, "programs/detail.html", context)


@require_POST
def enroll(request, slug, session_id):
    if not request.user.is_authenticated:
        # Anonymous people log in first and come back to the program page.
        program_url = reverse("programs:detail", kwargs={"slug": slug})
        return redirect(f"{reverse('account_login')}?{urlencode({'next': program_url})}")
    session = get_session_for_enrolling(slug=slug, session_id=session_id)
    try:
        result = services.enrollment_create(user=request.user, session=session)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        if result.enrollment.is_enrolled:
            messages.success(request, _("You are enrolled. See you there!"))
        else:
            messages.info(
                request, _("This session is full, so you are on the waiting list. We will email you if a seat opens.")
            )
    return redirect(session.program.get_absolute_url())


@login_required
@require_POST
def cancel(request, enrollment_id):
    enrollment = get_own_enrollment(request.user, enrollment_id=enrollment_id)
    was_waiting = enrollment.is_waitlisted
    try:
        services.enrollment_cancel(enrollment=enrollment)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("You have left the waiting list.") if was_waiting else _("Your enrollment is cancelled.")
        )
    return redirect(_safe_next(request) or "me:my_learning")


@login_required
@require_GET
def my_learning(request):
    groups = selectors.my_learning(user=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar:feed", kwargs={"token": request.user.calendar_token}))
    return render(request, "programs/my_learning.html", {"groups": groups, "feed_url": feed_url})


@login_required
@require_GET
def session_ics(request, enrollment_id):
    enrollment = get_own_enrollment(request.user, enrollment_id=enrollment_id, cancelled=False)
    body = calendar_for([enrollment], base_url=_base_url(request), name=enrollment.session.program.shown("title"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{enrollment.session_id}.ics"'
    return response


@require_GET
def calendar_feed(request, token):
    user = get_calendar_owner(token=token)
    body = calendar_for(
        selectors.calendar_enrollments(user=user), base_url=_base_url(request), name=_("My learning — Capacity")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_POST
def calendar_reset(request):
    user_calendar_token_reset(user=request.user)
    messages.success(request, _("Your calendar feed has a new address. The old address no longer works."))
    return redirect("me:my_learning")


@login_required
@require_GET
def participants(request, slug, session_id):
    session = get_session_for_managing(request.user, slug=slug, session_id=session_id)
    people = list(selectors.participants_for_session(session=session))
    now = timezone.now()
    context = {
        "session": session,
        "program": session.program,
        "people": people,
        # Seats are kept counted under the session's lock, deleted accounts' places with
        # them: what the named people do not hold is anonymous, with no query of its own.
        "anonymous_count": max(session.seats_taken - sum(1 for enrollment in people if enrollment.holds_seat), 0),
        "has_started": session.has_started(now),
        "has_ended": session.ends_at <= now,
        "attendance_choices": Enrollment.Attendance.choices,
    }
    return render(request, "programs/participants.html", context)


@login_required
@require_POST
def complete(request, slug, session_id, enrollment_id):
    session = get_session_for_managing(request.user, slug=slug, session_id=session_id)
    enrollment = get_enrollment_for_managing(request.user, session=session, enrollment_id=enrollment_id)
    try:
        services.enrollment_complete(enrollment=enrollment)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s has completed the session; their certificate is ready.")
            % {"name": enrollment.user.public_name},
        )
    return redirect("programs:participants", slug=slug, session_id=session.pk)


@login_required
@require_POST
def revoke_certificate(request, slug, session_id, enrollment_id):
    session = get_session_for_managing(request.user, slug=slug, session_id=session_id)
    enrollment = get_enrollment_for_managing(request.user, session=session, enrollment_id=enrollment_id)
    certificate = get_object_or_404(Certificate, enrollment=enrollment)
    try:
        services.certificate_revoke(certificate=certificate, by=request.user, reason=request.POST.get("reason", ""))
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The certificate of %(name)s is revoked; its Open Badge now says so.")
            % {"name": enrollment.user.public_name},
        )
    return redirect("programs:participants", slug=slug, session_id=session.pk)


@login_required
@require_POST
def mark_attendance(request, slug, session_id, enrollment_id):
    session = get_session_for_managing(request.user, slug=slug, session_id=session_id)
    enrollment = get_enrollment_for_managing(request.user, session=session, enrollment_id=enrollment_id)
    attendance = request.POST.get("attendance", "")
    if attendance not in Enrollment.Attendance.values:
        return HttpResponseBadRequest(_("Choose attended, did not come or not marked."))
    try:
        services.enrollment_mark_attendance(enrollment=enrollment, attendance=attendance)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Attendance of %(name)s: %(attendance)s.")
            % {"name": enrollment.user.public_name, "attendance": Enrollment.Attendance(attendance).label},
        )
    return redirect("programs:participants", slug=slug, session_id=session.pk)


@login_required
@require_POST
def mark_attendance_all(request, slug, session_id):
    session = get_session_for_managing(request.user, slug=slug, session_id=session_id)
    attendance = request.POST.get("attendance", "")
    if attendance not in Enrollment.Attendance.values:
        return HttpResponseBadRequest(_("Choose attended, did not come or not marked."))
    try:
        marked = services.session_mark_attendance_all(session=session, attendance=attendance)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext("%(count)s person marked: %(attendance)s.", "%(count)s people marked: %(attendance)s.", marked)
            % {"count": marked, "attendance": Enrollment.Attendance(attendance).label},
        )
    return redirect("programs:participants", slug=slug, session_id=session.pk)


@login_required
@require_POST
def cancel_session(request, slug, session_id):
    session = get_session_for_managing(request.user, slug=slug, session_id=session_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the session is cancelled."))
    else:
        try:
            services.session_cancel(session=session, by=request.user)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The session is cancelled; everyone enrolled or waiting is told by email."))
    return redirect("programs:participants", slug=slug, session_id=session.pk)


@require_GET
def certificate(request, code):
    certificate = get_object_or_404(Certificate, code=code)
    verify_url = request.build_absolute_uri(certificate.get_absolute_url())
    return render(request, "programs/certificate.html", {"certificate": certificate, "verify_url": verify_url})


def _base_url(request):
    return f"{request.scheme}://{request.get_host()}"


def _safe_next(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_GET
def organizations(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in Organization.Kind.values else ""
    region = request.GET.get("region", "")
    regions = list(Region.objects.all())
    if region not in {r.slug for r in regions}:
        region = ""
    page = Paginator(selectors.organization_list(kind=kind, region=region), ORGANIZATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "kinds": Organization.Kind.choices,
        "regions": regions,
        "selected_kind": kind,
        "selected_region": region,
        "query_without_page": query.urlencode(),
    }
    return render(request, "programs/organizations.html", context)


@require_GET
def organization(request, slug):
    organization = selectors.organization_for_page(slug=slug)
    if organization is None:
        raise Http404
    # Its upcoming programs are the same for every reader: rendered once a minute at most
    # (choosing a dozen among thousands of a large provider's programs is the page's cost).
    key = fragments.fragment_key("organization-programs", organization.pk, organization.slug)
    programs = fragments.get(key)
    if programs is None:
        context = {
            "organization": organization,
            "programs": selectors.organization_upcoming_programs(organization=organization),
        }
        programs = render_to_string("programs/_organization_programs.html", context, request=request)
        fragments.put(key, programs)
    context = {"organization": organization, "programs": mark_safe(programs)}  # noqa: S308 — our own rendering
    return render(request, "programs/organization.html", context)
