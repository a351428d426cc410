"""Funding pages of funders and recipients: funds, allocations, their status moves and the spending."""

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from capacity.views import error_text
from programs.access import can_manage_organization

from . import services, workflow_selectors
from .access import can_manage_fund, can_report_spending, get_allocation_for_reader, get_fund_for_manager
from .dashboard import rates_in_view
from .forms import AllocationForm, ExpenditureForm, FundForm, MoveForm, fund_initial
from .freshness import data_version
from .models import Allocation, Expenditure, Fund, Receipt
from .selectors import hours

PER_PAGE = 25


# --- doors ---------------------------------------------------------------------------------


def _allocation_for_manager(user, allocation_id):
    """Readers who may not change it are refused (403); nobody else learns it exists (404)."""
    allocation = get_allocation_for_reader(user, allocation_id)
    if not can_manage_fund(user, allocation.fund):
        raise PermissionDenied
    return allocation


def _expenditure_for_reader(user, expenditure_id):
    allocation_id = Expenditure.objects.filter(pk=expenditure_id).values_list("allocation_id", flat=True).first()
    if allocation_id is None:
        raise Http404
    allocation = get_allocation_for_reader(user, allocation_id)
    expenditure = Expenditure.objects.get(pk=expenditure_id)
    expenditure.allocation = allocation
    return expenditure


def _expenditure_for_recorder(user, expenditure_id):
    expenditure = _expenditure_for_reader(user, expenditure_id)
    if not can_report_spending(user, expenditure.allocation):
        raise PermissionDenied
    return expenditure


def _add_service_errors(form, error):
    """A service's refusal on the form: on its field when the form has it, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


# --- funds -----------------------------------------------------------------------------------


def _funders_or_refuse(user):
    funders = workflow_selectors.managed_funders(user)
    if not funders.exists():
        raise PermissionDenied(_("Only the staff and administrators of a funder, and stewards, manage funds."))
    return funders


@login_required
@require_GET
def fund_list(request):
    _funders_or_refuse(request.user)
    page = _page(request, workflow_selectors.fund_list(request.user))
    rates = None
    if any(fund.other_currency_count for fund in page.object_list):
        # Which rates the other-currency USD sums of the funds on this page used.
        rates = rates_in_view(workflow_selectors.other_currency_allocations([fund.pk for fund in page.object_list]))
    return render(request, "resources/workflow/fund_list.html", {"page": page, "rates": rates})


def _fund_form_page(request, form, fund=None):
    return render(request, "resources/workflow/fund_form.html", {"form": form, "fund": fund})


def _save_fund(request, form, fund):
    data = form.cleaned_data
    fund.funder = data["funder"]
    fund.name = data["name"]
    fund.currency = data["currency"]
    fund.starts_on, fund.ends_on = data["starts_on"], data["ends_on"]
    try:
        services.fund_save(fund=fund, by=request.user)
    except ValidationError as error:
        _add_service_errors(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def fund_new(request):
    funders = _funders_or_refuse(request.user)
    form = FundForm(request.POST or None, funders=funders, initial={"currency": "USD"})
    if request.method == "POST" and form.is_valid() and _save_fund(request, form, Fund()):
        messages.success(request, _("The fund is created."))
        return redirect("funding:funds")
    return _fund_form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def fund_edit(request, fund_id):
    fund = get_fund_for_manager(request.user, fund_id)
    funders = workflow_selectors.managed_funders(request.user)
    form = FundForm(request.POST or None, funders=funders, initial=fund_initial(fund))
    if request.method == "POST" and form.is_valid():
        # The service writes to the object it is given: an edit it refuses must not show as saved.
        if _save_fund(request, form, Fund.objects.get(pk=fund.pk)):
            messages.success(request, _("The fund is saved."))
            return redirect("funding:fund", fund_id=fund.pk)
    return _fund_form_page(request, form, fund)


@login_required
@require_GET
def fund_detail(request, fund_id):
    fund = get_fund_for_manager(request.user, fund_id)
    page = _page(request, workflow_selectors.fund_allocations(fund))
    return render(request, "resources/workflow/fund_detail.html", {"fund": fund, "page": page})


# --- allocations -------------------------------------------------------------------------------


def _allocation_from(form, allocation):
    """Copy the form onto the allocation; fields that do not belong to its kind are emptied."""
    data = form.cleaned_data
    allocation.kind = data["kind"]
    allocation.currency = data["currency"]
    allocation.description = data["description"]
    allocation.starts_on, allocation.ends_on = data["starts_on"], data["ends_on"]
    if allocation.kind == Allocation.Kind.TIME:
        allocation.amount = None
        allocation.hours, allocation.value_per_hour = data["hours"], data["value_per_hour"]
    else:
        allocation.amount = data["amount"]
        allocation.hours = allocation.value_per_hour = None
    return allocation


def _allocation_form_page(request, form, *, fund, allocation=None):
    context = {
        "form": form,
        "fund": fund,
        "allocation": allocation,
        "recipients": workflow_selectors.recipient_choices() if allocation is None else (),
    }
    return render(request, "resources/workflow/allocation_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def allocation_new(request, fund_id):
    fund = get_fund_for_manager(request.user, fund_id)
    initial = {"kind": Allocation.Kind.MONEY, "currency": fund.currency_id, "starts_on": fund.starts_on}
    initial["ends_on"] = fund.ends_on
    form = AllocationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        allocation = _allocation_from(form, Allocation(fund=fund, recipient=form.cleaned_data["recipient"]))
        try:
            services.allocation_save(
                allocation=allocation,
                categories=form.cleaned_data["categories"],
                methods=form.cleaned_data["methods"],
                by=request.user,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The allocation is proposed. While it is proposed you can change it and choose the programs it funds."
                ),
            )
            return redirect("funding:allocation", allocation_id=allocation.pk)
    return _allocation_form_page(request, form, fund=fund)


def _plain(value):
    """A stored amount as a person types it: 1000.0000 as 1000, 12.5000 as 12.5 (never 1E+3)."""
    if value is None:
        return None
    return format(value.normalize(), "f")


@login_required
@require_http_methods(["GET", "POST"])
def allocation_edit(request, allocation_id):
    allocation = _allocation_for_manager(request.user, allocation_id)
    if allocation.status != Allocation.Status.PROPOSED:
        messages.error(
            request,
            _("This allocation is %(status)s; only a proposed allocation can be changed.")
            % {"status": allocation.get_status_display()},
        )
        return redirect("funding:allocation", allocation_id=allocation.pk)
    initial = {
        "kind": allocation.kind,
        "amount": _plain(allocation.amount),
        "currency": allocation.currency_id,
        "description": allocation.description,
        "hours": allocation.hours,
        "value_per_hour": _plain(allocation.value_per_hour),
        "categories": [category.slug for category in allocation.categories.all()],
        "methods": list(allocation.methods.values_list("method", flat=True)),
        "programs": [program.slug for program in allocation.programs.all()],
        "starts_on": allocation.starts_on,
        "ends_on": allocation.ends_on,
    }
    form = AllocationForm(request.POST or None, initial=initial, recipient=allocation.recipient)
    if request.method == "POST" and form.is_valid():
        changed = _allocation_from(form, Allocation.objects.select_related("fund__funder").get(pk=allocation.pk))
        try:
            services.allocation_save(
                allocation=changed,
                categories=form.cleaned_data["categories"],
                methods=form.cleaned_data["methods"],
                programs=form.cleaned_data["programs"],
                by=request.user,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The allocation is saved."))
            return redirect("funding:allocation", allocation_id=allocation.pk)
    return _allocation_form_page(request, form, fund=allocation.fund, allocation=allocation)


def _number(value, places):
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _conversion(allocation):
    """What the page says about the value in US dollars: the figure and its rate, or why there is none."""
    if services.allocation_value(allocation) is None:
        return {"state": "no_value"}
    if allocation.usd_amount is None:
        return {"state": "waiting", "code": allocation.currency_id}
    if allocation.usd_rate is None:  # already in US dollars
        return {"state": "usd", "usd": _number(allocation.usd_amount, 2)}
    rate = allocation.usd_rate.usd_per_unit.normalize()
    places = max(2, -rate.as_tuple().exponent)
    return {
        "state": "converted",
        "usd": _number(allocation.usd_amount, 2),
        "rate": _number(rate, places),
        "code": allocation.currency_id,
        "month": f"{allocation.usd_rate.month:%Y-%m}",
    }


def _moves(allocation, *, has_spending):
    """The moves allowed from the current status, forward first and declining last.

    An allocation with spending recorded cannot be declined (the service refuses it too).
    """
    allowed = services.ALLOWED_MOVES[Allocation.Status(allocation.status)]
    return [
        status
        for status in Allocation.Status.values
        if status in allowed and not (has_spending and status == Allocation.Status.DECLINED)
    ]


def _detail_page(request, allocation, *, status=200, error=None):
    user = request.user
    usage = workflow_selectors.allocation_with_usage(allocation)
    may_manage = can_manage_fund(user, allocation.fund)
    may_spend = can_report_spending(user, allocation)
    value = services.allocation_value(allocation)
    expenditures = list(workflow_selectors.allocation_expenditures(allocation))
    # The recipient's staff and admins (and stewards) open the session reports; the funder reads the list.
    may_open_reports = can_manage_organization(user, allocation.recipient)
    sessions = list(workflow_selectors.counted_sessions(allocation)) if may_manage or may_open_reports else []
    context = {
        "allocation": allocation,
        "value": value,
        "conversion": _conversion(allocation),
        "spent": usage["spent"],
        "spent_usd": usage["spent_usd"],
        "remaining": value - usage["spent"] if allocation.kind == Allocation.Kind.MONEY else None,
        "overspent": usage["overspent"],
        "time_used": hours(usage["time_used"]) or Decimal(0),
        "categories": list(allocation.categories.all()),
        "methods": list(allocation.methods.all()),
        "programs": list(workflow_selectors.funded_programs(allocation)),
        "sessions": sessions,
        "may_open_reports": may_open_reports,
        "expenditures": expenditures,
        "reasons": [row for row in expenditures if row.overspend_reason],
        "timeline": workflow_selectors.status_timeline(allocation),
        "moves": _moves(allocation, has_spending=bool(expenditures)) if may_manage else [],
        "may_manage": may_manage,
        "may_edit": may_manage and allocation.status == Allocation.Status.PROPOSED,
        "may_spend": may_spend
        and allocation.kind == Allocation.Kind.MONEY
        and allocation.status in services.SPENDING_STATUSES,
        "error": error,
    }
    return render(request, "resources/workflow/allocation_detail.html", context, status=status)


@login_required
@require_GET
def allocation_detail(request, allocation_id):
    return _detail_page(request, get_allocation_for_reader(request.user, allocation_id))


@login_required
@require_POST
def allocation_move(request, allocation_id):
    allocation = _allocation_for_manager(request.user, allocation_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, allocation, status=400, error=_("The move was not understood."))
    try:
        services.allocation_move(allocation=allocation, to_status=form.cleaned_data["to_status"], by=request.user)
    except ValidationError as error:
        return _detail_page(request, allocation, status=400, error=error_text(error))
    messages.success(request, _("The allocation is now %(status)s.") % {"status": allocation.get_status_display()})
    return redirect("funding:allocation", allocation_id=allocation.pk)


# --- what a recipient received ---------------------------------------------------------------


@login_required
@require_GET
def received(request):
    organization_ids = workflow_selectors.member_organizations(request.user)
    version = data_version()
    page = _page(request, workflow_selectors.received_allocations(organization_ids))
    comparison = workflow_selectors.movement_comparison(organization_ids, version)
    # The page of allocations as it was drawn, while their data is the same (a page for a
    # large recipient, its funds, funders and spending: most of the page's time).
    key = (
        f"funding:received:{translation.get_language()}:{workflow_selectors.organizations_key(organization_ids)}:"
        f"{page.number}:{version}"
    )
    table = ""
    if page.paginator.count:  # an empty list is drawn by the page itself, and kept nowhere
        context = {"page": page, "show_fund": True, "caption": _("Allocations received")}
        table = cache.get_or_set(
            key,
            lambda: render_to_string("resources/workflow/_allocation_table.html", context, request=request),
            workflow_selectors.MOVEMENT_SECONDS,
        )
    context = {
        "page": page,
        "table": mark_safe(table),  # noqa: S308 - our own template's output, kept as rendered
        "comparison": comparison,
        "rates": comparison["rates"],
        "manages_funds": workflow_selectors.managed_funders(request.user).exists(),
    }
    return render(request, "resources/workflow/received.html", context)


# --- spending -------------------------------------------------------------------------------------


def _save_expenditure(request, form, expenditure):
    data = form.cleaned_data
    expenditure.spent_on = data["spent_on"]
    expenditure.amount = data["amount"]
    expenditure.category = data["category"]
    expenditure.note = data["note"]
    expenditure.overspend_reason = data["overspend_reason"]
    try:
        receipt = None
        if data.get("receipt") is not None:
            upload = data["receipt"]
            receipt = services.receipt_check(filename=upload.name, content=upload.read())
        services.expenditure_save(expenditure=expenditure, receipt=receipt, by=request.user)
    except ValidationError as error:
        _add_service_errors(form, error)
        return False
    return True


def _expenditure_form_page(request, form, allocation, expenditure=None):
    context = {"form": form, "allocation": allocation, "expenditure": expenditure}
    return render(request, "resources/workflow/expenditure_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def expenditure_new(request, allocation_id):
    allocation = get_allocation_for_reader(request.user, allocation_id)
    if not can_report_spending(request.user, allocation):
        raise PermissionDenied
    form = ExpenditureForm(request.POST or None, request.FILES or None, allocation=allocation)
    if request.method == "POST" and form.is_valid():
        if _save_expenditure(request, form, Expenditure(allocation=allocation)):
            messages.success(request, _("The expenditure is recorded."))
            return redirect("funding:allocation", allocation_id=allocation.pk)
    return _expenditure_form_page(request, form, allocation)


@login_required
@require_http_methods(["GET", "POST"])
def expenditure_edit(request, expenditure_id):
    expenditure = _expenditure_for_recorder(request.user, expenditure_id)
    allocation = expenditure.allocation
    initial = {
        "spent_on": expenditure.spent_on,
        "amount": _plain(expenditure.amount),
        "category": expenditure.category,
        "note": expenditure.note,
        "overspend_reason": expenditure.overspend_reason,
    }
    form = ExpenditureForm(request.POST or None, request.FILES or None, initial=initial, allocation=allocation)
    if request.method == "POST" and form.is_valid():
        stored = Expenditure.objects.get(pk=expenditure.pk)
        if _save_expenditure(request, form, stored):
            messages.success(request, _("The expenditure is saved."))
            return redirect("funding:allocation", allocation_id=allocation.pk)
    return _expenditure_form_page(request, form, allocation, expenditure)


@login_required
@require_http_methods(["GET", "POST"])
def expenditure_delete(request, expenditure_id):
    expenditure = _expenditure_for_recorder(request.user, expenditure_id)
    allocation = expenditure.allocation
    error = None
    if request.method == "POST":
        try:
            services.expenditure_delete(expenditure=expenditure, by=request.user)
        except ValidationError as refused:
            error = error_text(refused)
        else:
            messages.success(request, _("The expenditure is removed."))
            return redirect("funding:allocation", allocation_id=allocation.pk)
    context = {"expenditure": expenditure, "allocation": allocation, "error": error}
    return render(request, "resources/workflow/expenditure_delete.html", context, status=400 if error else 200)


def _content_disposition(filename):
    """RFC 6266: an ASCII fallback name, and the real one percent-encoded in filename*."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename) or "receipt"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@login_required
@require_GET
def receipt_download(request, expenditure_id):
    expenditure = _expenditure_for_reader(request.user, expenditure_id)
    receipt = Receipt.objects.filter(expenditure=expenditure).first()
    if receipt is None:
        raise Http404
    response = HttpResponse(bytes(receipt.content), content_type=receipt.content_type)
    response["Content-Disposition"] = _content_disposition(receipt.original_filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
