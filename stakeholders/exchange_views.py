"""The capacity exchange: who has, shares and wants which capacities, and a relay to write to them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from capacity import fragments
from capacity.models import CapacityCategory, Language, Region
from capacity.views import error_text

from . import access, selectors, services
from .filters import KINDS
from .forms import ContactForm, ExchangeCapacityTableForm, ExchangeLanguageFormSet, ExchangeProfileForm
from .models import Membership


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def directory(request):
    result = selectors.exchange_directory(data=request.GET, page_number=request.GET.get("page"))
    context = {
        "directory": result,
        "page": result.page,
        "cards": _cards(request, list(result.page.object_list)),
        "form": result.filterset.form,
        "categories": _taxonomy(),
        "languages": Language.objects.values_list("code", "autonym"),
        "regions": Region.objects.all(),
        "kinds": KINDS.items(),
        "query_without_page": _query_without_page(request),
    }
    return render(request, "stakeholders/exchange/directory.html", context)


def _cards(request, profile_ids):
    """The directory's cards of these profiles, in order: rendered once a minute at most, whoever reads them.

    A card is the same for every reader but for its last line (write to them, log in,
    this is you), which the page adds. Cards kept in the cache cost neither their four
    queries nor their rendering; the exchange's version moves on with every change.
    """

    def render(missing):
        rendered = {}
        for pk, profile in selectors.exchange_cards(profile_ids=missing).items():
            organization = profile.organization
            rendered[pk] = {
                "pk": pk,
                "user_id": profile.user_id,
                "organization_slug": organization.slug if organization else "",
                "name": profile.owner_name,
                "body": render_to_string(
                    "stakeholders/exchange/_profile_card_body.html", {"profile": profile}, request=request
                ),
            }
        return rendered

    cards = fragments.cards("exchange-card", profile_ids, version_key=selectors.EXCHANGE_VERSION_KEY, render=render)
    for card in cards:  # each a copy read from the cache (or just stored in it)
        card["body"] = mark_safe(card["body"])  # noqa: S308 — our own rendering
    return cards


def _taxonomy():
    """Every capacity, each top-level one followed by its children: one query."""
    categories = list(CapacityCategory.objects.all())
    children = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered = []
    for root in children.get(None, []):
        ordered.append(root)
        ordered.extend(children.get(root.pk, []))
    return ordered


def _edit_page(request, *, profile, owner, organization=None, managed=()):
    """The one edit page for a person's or an organization's profile; it saves everything at once."""
    categories = _taxonomy()
    data = request.POST if request.method == "POST" else None
    initial = {"is_listed": True}
    rows = {}
    language_initial = []
    if profile is not None:
        initial = {
            "is_listed": profile.is_listed,
            "region": profile.region,
            "about": profile.about,
            "about_language": profile.about_language,
        }
        rows = {row.category_id: row for row in profile.capacities.all()}
        language_initial = [
            {"language": row.language.code, "proficiency": row.proficiency} for row in profile.languages.all()
        ]
    form = ExchangeProfileForm(data, initial=initial)
    table = ExchangeCapacityTableForm(data, categories=categories, initial_rows=rows)
    languages = ExchangeLanguageFormSet(
        data,
        # Posted rows are the whole truth: with the saved rows as initial, a row posted from a
        # page opened before them (another tab) would look unchanged and be dropped silently.
        initial=language_initial if data is None else None,
        prefix="languages",
        form_kwargs={"languages": {language.code: language for language in Language.objects.all()}},
    )
    error = None
    if request.method == "POST" and form.is_valid() & table.is_valid() & languages.is_valid():
        try:
            services.exchange_profile_save(
                **owner, data=form.cleaned_data, capacities=table.capacities, languages=languages.languages
            )
        except ValidationError as refused:
            error = error_text(refused)
        else:
            messages.success(request, _("The exchange profile is saved."))
            return redirect(request.path)
    context = {
        "profile": profile,
        "organization": organization,
        "managed": managed,
        "form": form,
        "table": table,
        "language_formset": languages,
        "error": error,
    }
    return render(request, "stakeholders/exchange/edit.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def edit_mine(request):
    profile = selectors.own_exchange_profile(user=request.user)
    return _edit_page(
        request,
        profile=profile,
        owner={"owner_user": request.user},
        managed=Membership.objects.managing().filter(user=request.user).select_related("organization"),
    )


@login_required
@require_POST
def hide_mine(request):
    profile = selectors.own_exchange_profile(user=request.user)
    if profile is None or not profile.is_listed:
        messages.info(request, _("Your profile is not in the directory."))
    else:
        services.exchange_profile_hide(profile=profile)
        messages.success(request, _("Your profile is hidden from the directory and from mentor suggestions."))
    return redirect("exchange:edit_mine")


@login_required
@require_http_methods(["GET", "POST"])
def edit_organization(request, slug):
    organization = access.get_organization_for_exchange(request.user, slug)
    profile = selectors.own_exchange_profile(organization=organization)
    return _edit_page(request, profile=profile, owner={"organization": organization}, organization=organization)


@login_required
@require_GET
def mentors(request):
    search = selectors.mentor_matches(
        user=request.user, capacity_slug=request.GET.get("capacity"), page_number=request.GET.get("page")
    )
    context = {"search": search, "page": search.page, "query_without_page": _query_without_page(request)}
    return render(request, "stakeholders/exchange/mentors.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact(request, profile_id):
    profile = access.get_listed_person_profile(profile_id)
    recipient = profile.user
    if recipient.pk == request.user.pk:
        messages.error(request, _("You cannot write to yourself."))
        return redirect("exchange:directory")
    initial = {"category": request.GET.get("category")} if request.method == "GET" else None
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_request_send(
                sender=request.user,
                recipient=recipient,
                message=form.cleaned_data["message"],
                category=form.cleaned_data["category"],
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("Your message is on its way to %(name)s. You will see their answer on this page.")
                % {"name": recipient.public_name},
            )
            return redirect(_contacts_url("sent"))
    status = 400 if request.method == "POST" else 200
    waiting = selectors.has_written_and_waits(sender=request.user, recipient=recipient)
    context = {"profile": profile, "form": form, "waiting": waiting}
    return render(request, "stakeholders/exchange/contact.html", context, status=status)


def _contacts_url(box):
    return f"{reverse('exchange:contacts')}?box={box}"


@login_required
@require_GET
def contacts(request):
    box = request.GET.get("box")
    box = box if box in selectors.CONTACT_BOXES else "received"
    page = selectors.contact_requests(user=request.user, box=box, page_number=request.GET.get("page"))
    pending = selectors.contact_requests_waiting(user=request.user)
    context = {"box": box, "page": page, "pending": pending, "query_without_page": _query_without_page(request)}
    return render(request, "stakeholders/exchange/contacts.html", context)


def _answer(request, contact_request_id, service, done):
    contact_request = access.get_received_contact_request(request.user, contact_request_id)
    try:
        service(contact_request=contact_request, by=request.user)
    except ValidationError as refused:
        messages.error(request, error_text(refused))
    else:
        messages.success(request, done % {"name": contact_request.sender.public_name})
    return redirect(_contacts_url("received"))


@login_required
@require_POST
def contact_accept(request, contact_request_id):
    return _answer(
        request,
        contact_request_id,
        services.contact_request_accept,
        _("You accepted %(name)s's message. You can now see each other's email address."),
    )


@login_required
@require_POST
def contact_decline(request, contact_request_id):
    return _answer(
        request,
        contact_request_id,
        services.contact_request_decline,
        _("You declined %(name)s's message. Nothing was shared with them."),
    )
