"""Promising practices: what organizations learned, written in any language, reviewed by stewards.

Access helpers, selectors and services in one module, as the evaluation design assigns
them: who may read or change a practice, what the library and the report pages read,
and every write (create, update, translate, submit, publish, return).
"""

import json
import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, OuterRef, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from capacity.models import CapacityCategory, Region, single_line, ui_language_codes, ui_language_field
from programs.models import Program
from stakeholders.access import is_steward
from stakeholders.models import Membership, Organization
from stakeholders.services import refuse_hidden_characters

from .models import Practice, Scope

TEXT_FIELDS = Practice.original_fields  # title, context, what_was_done, evidence, would_change
LONG_FIELDS = TEXT_FIELDS[1:]
# Words the practice addresses use after /practices/, where a slug also goes.
RESERVED_SLUGS = frozenset({"new", "mine", "review"})
# A search is a few words; more is a paste, and each word costs a condition per column.
MAX_SEARCH_WORDS = 8


# --- who may do what --------------------------------------------------------------------


def managed_organizations(user):
    """Organizations this person writes practices for: where they are staff or admin; all, for a steward."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if is_steward(user):
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=Membership.objects.managing().filter(user=user).values("organization_id"))


def can_manage_practice(user, practice) -> bool:
    """Stewards, and staff and admins of the practice's organization."""
    if not user.is_authenticated:
        return False
    if is_steward(user):
        return True
    return Membership.objects.managing().filter(user=user, organization_id=practice.organization_id).exists()


def _practices():
    return Practice.objects.select_related("original_language", "organization", "region", "reviewed_by", "author")


def get_practice_for_reading(user, slug):
    """A published practice for anyone; any other only for those who manage it. Others: not found."""
    practice = get_object_or_404(_practices(), slug=slug)
    if practice.status != Practice.Status.PUBLISHED and not can_manage_practice(user, practice):
        raise Http404
    return practice


def get_practice_for_editing(user, slug):
    """A practice its organization's staff (or a steward) may change; 403 if published, else not found."""
    practice = get_object_or_404(_practices(), slug=slug)
    if not can_manage_practice(user, practice):
        if practice.status != Practice.Status.PUBLISHED:
            raise Http404
        raise PermissionDenied
    return practice


def get_practice_for_review(user, slug):
    """A practice a steward reviews; others get 403 where they can read it, else not found."""
    practice = get_practice_for_reading(user, slug)
    if not is_steward(user):
        raise PermissionDenied
    return practice


# --- selectors ---------------------------------------------------------------------------


def method_label_expression():
    """The method's label in the active language, as SQL: the model keeps the bare value."""
    return Case(
        *[When(method=value, then=Value(str(label))) for value, label in Program.Method.choices],
        default=Value(""),
        output_field=CharField(),
    )


def _listed(queryset):
    return queryset.select_related("original_language", "organization", "region").prefetch_related(
        Prefetch("categories", queryset=CapacityCategory.objects.order_by("position", "slug"))
    )


def search_practices(queryset, text):
    """Every word somewhere in a title or text, in the original or any translation."""
    words = (text or "").split()[:MAX_SEARCH_WORDS]
    columns = [f"original_{field}" for field in TEXT_FIELDS] + [
        f"{field}_{ui_language_field(code)}" for field in TEXT_FIELDS for code in ui_language_codes()
    ]
    for word in words:
        anywhere = Q()
        for column in columns:
            anywhere |= Q(**{f"{column}__icontains": word})
        queryset = queryset.filter(anywhere)
    return queryset


def practice_library(*, data):
    """The published practices, filtered; returns the FilterSet (its .qs is the page's list)."""
    from .practice_filters import PracticeFilter

    queryset = _listed(Practice.objects.filter(status=Practice.Status.PUBLISHED)).annotate(
        method_label=method_label_expression()
    )
    return PracticeFilter(data or None, queryset=queryset.order_by("-published_at", "-pk"))


def practice_review_queue():
    """Practices waiting for a steward, oldest first."""
    return list(
        _listed(Practice.objects.filter(status=Practice.Status.SUBMITTED))
        .annotate(method_label=method_label_expression())
        .order_by("updated_at", "pk")
    )


def practices_of_organizations(*, organizations):
    """Every practice of these organizations, for their staff: drafts, returned and published."""
    return list(
        _listed(Practice.objects.filter(organization__in=organizations))
        .annotate(method_label=method_label_expression())
        .order_by("-updated_at", "-pk")
    )


def report_scope_links(values) -> list[dict]:
    """Each "scope:key" as {"value", "label", "url"}; url is "" until the report pages answer for it.

    A value the report pages' URL does not accept ("learning:scope") is shown as plain
    text rather than as a broken link. Names
    are read in one query per kind of scope, whatever the number of links.
    """
    pairs = [(value, *(value or "").partition(":")[::2]) for value in values]
    keys = {}
    for _value, scope, key in pairs:
        keys.setdefault(scope, set()).add(key)
    names = {
        Scope.METHOD: {value: str(label) for value, label in Program.Method.choices},
        Scope.REGION: _names(Region.objects.all(), keys.get(Scope.REGION)),
        Scope.CATEGORY: _names(CapacityCategory.objects.all(), keys.get(Scope.CATEGORY)),
        Scope.ORGANIZATION: _names(Organization.objects.all(), keys.get(Scope.ORGANIZATION)),
    }
    links = []
    for value, scope, key in pairs:
        label = _("The whole movement") if scope == Scope.MOVEMENT else names.get(scope, {}).get(key, key)
        links.append({"value": value, "label": label, "url": _report_url(scope, key)})
    return links


def report_scope_link(value: str) -> dict:
    """One "scope:key" as a link (see report_scope_links)."""
    return report_scope_links([value])[0]


def _names(queryset, slugs):
    if not slugs:
        return {}
    return {row.slug: row.name for row in queryset.filter(slug__in=slugs)}


def _report_url(scope, key):
    # The movement's report is movement/all/ (evaluation.report_urls, namespace "learning").
    try:
        return reverse("learning:scope", kwargs={"scope": scope, "key": key or "all"})
    except NoReverseMatch:
        return ""


def report_scope_choices(*, organizations=()):
    """Every report a practice may stand beside, as (value, label) groups for a form."""
    return [
        (_("Movement"), [("movement:", _("The whole movement"))]),
        (_("Method"), [(f"method:{value}", label) for value, label in Program.Method.choices]),
        (_("Region"), [(f"region:{region.slug}", region.name) for region in Region.objects.all()]),
        (
            _("Capacity"),
            [(f"category:{category.slug}", category.name) for category in CapacityCategory.objects.all()],
        ),
        (_("Organization"), [(f"organization:{org.slug}", org.name) for org in organizations]),
    ]


def practice_page(*, practice: Practice) -> dict:
    """What the detail page shows beside the practice: its programs, capacities and reports."""
    return {
        "programs": list(
            Program.objects.published()
            .filter(pk__in=practice.programs.values("pk"))
            .select_related("original_language", "provider")
            .order_by("pk")
        ),
        "categories": list(practice.categories.order_by("position", "slug")),
        "method_label": dict(Program.Method.choices).get(practice.method, ""),
        "reports": report_scope_links(practice.report_scopes or []),
    }


def _linked_to(report):
    """Practices whose report_scopes list holds `report`. SQLite has no JSON containment,
    so there the list's text is searched for the quoted entry (entries never contain a
    quote: they are "scope:slug")."""
    if connection.features.supports_json_field_contains:
        return Q(report_scopes__contains=[report])
    return Q(report_scopes__icontains=json.dumps(report))


def practices_beside(*, scope: str, scope_key: str, limit: int = 6):
    """Published practices for a report page: linked to that report, or sharing its method, capacity or region.

    Two queries whatever the number of practices: the list, and their capacities.
    """
    linked = _linked_to(f"{scope}:{scope_key}")
    if scope == Scope.METHOD:
        linked |= Q(method=scope_key)
    elif scope == Scope.REGION:
        linked |= Q(region__slug=scope_key)
    elif scope == Scope.ORGANIZATION:
        linked |= Q(organization__slug=scope_key)
    elif scope == Scope.CATEGORY:
        # A top-level capacity's report includes its children's practices.
        tagged = Practice.categories.through.objects.filter(practice=OuterRef("pk")).filter(
            Q(capacitycategory__slug=scope_key) | Q(capacitycategory__parent__slug=scope_key)
        )
        linked |= Exists(tagged)
    return list(
        _listed(Practice.objects.filter(status=Practice.Status.PUBLISHED).filter(linked))
        .annotate(method_label=method_label_expression())
        .order_by("-published_at", "-pk")[:limit]
    )


# --- services ------------------------------------------------------------------------------


def _one_kind_of_line_break(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _normalized(field: str, value) -> str:
    """Titles are one line with single spaces; texts keep their lines, with LF only."""
    value = value or ""
    if field == "title":
        return re.sub(r"[ \t\r\n]+", " ", value).strip()
    return _one_kind_of_line_break(value).strip()


def _check_texts(practice: Practice):
    """What the model does not say itself: one-line titles, no hidden characters in the texts."""
    errors = {}
    for field in TEXT_FIELDS:
        names = [f"original_{field}"] + [f"{field}_{ui_language_field(code)}" for code in ui_language_codes()]
        for name in names:
            value = getattr(practice, name) or ""
            try:
                (single_line if field == "title" else refuse_hidden_characters)(value)
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def _check_links(*, practice: Practice, programs, method: str, report_scopes):
    errors = {}
    if any(program.provider_id != practice.organization_id for program in programs):
        errors["programs"] = [_("Link only your organization's own programs.")]
    if method and method not in Program.Method.values:
        errors["method"] = [_("Choose a method from the list.")]
    allowed = {value for _group, options in report_scope_choices() for value, _label in options}
    allowed.add(f"organization:{practice.organization.slug}")
    if not isinstance(report_scopes, list) or any(value not in allowed for value in report_scopes):
        errors["report_scopes"] = [_("Choose learning reports from the list.")]
    if errors:
        raise ValidationError(errors)


def _free_slug(practice: Practice) -> str:
    """A new, unused slug from the title: ASCII, so a Korean title gives a random one."""
    base = slugify(practice.original_title or "")[:80].strip("-")
    if base in RESERVED_SLUGS:
        base = f"{base}-practice"
    candidate = base or f"practice-{secrets.token_hex(3)}"
    taken = Practice.objects.exclude(pk=practice.pk)
    while taken.filter(slug=candidate).exists():
        candidate = f"{base or 'practice'}-{secrets.token_hex(3)}"
    return candidate


def _write(practice: Practice, *, data: dict):
    practice.original_language = data["original_language"]
    for field in TEXT_FIELDS:
        setattr(practice, f"original_{field}", _normalized(field, data.get(f"original_{field}")))
    practice.method = data.get("method") or ""
    practice.region = data.get("region")
    practice.report_scopes = list(dict.fromkeys(data.get("report_scopes") or []))
    # No translation into the original language: its readers read the original.
    if practice.original_language.code in ui_language_codes():
        for field in TEXT_FIELDS:
            setattr(practice, f"{field}_{ui_language_field(practice.original_language.code)}", "")


def _save(practice: Practice, *, programs, categories):
    if not categories:
        raise ValidationError({"categories": [_("Choose at least one capacity.")]})
    _check_texts(practice)
    _check_links(practice=practice, programs=programs, method=practice.method, report_scopes=practice.report_scopes)
    if not practice.slug:
        practice.slug = _free_slug(practice)
    # The author is gone when their account is deleted (SET_NULL); their practice stays editable.
    practice.full_clean(exclude=["author"])
    practice.save()
    practice.programs.set(programs)
    practice.categories.set(categories)


def practice_create(*, organization, author, data: dict, programs=(), categories=()) -> Practice:
    """A new draft practice of an organization, as its staff wrote it."""
    with transaction.atomic():
        practice = Practice(organization=organization, author=author, status=Practice.Status.DRAFT)
        _write(practice, data=data)
        _save(practice, programs=list(programs), categories=list(categories))
    return practice


def _after_change(practice: Practice, *, by):
    """A published practice changed by its organization goes back to the stewards.

    Readers read only what a steward has read: the practice leaves the library until it
    is published again. A steward's own correction keeps it where it is.
    """
    if practice.status == Practice.Status.PUBLISHED and not is_steward(by):
        practice.status = Practice.Status.SUBMITTED
        practice.review_note = ""


def practice_update(*, practice: Practice, by, data: dict, programs=(), categories=()) -> Practice:
    """Change a practice's text and links; see _after_change for a published one."""
    with transaction.atomic():
        locked = Practice.objects.select_for_update().select_related("organization").get(pk=practice.pk)
        _write(locked, data=data)
        _after_change(locked, by=by)
        _save(locked, programs=list(programs), categories=list(categories))
    return locked


def practice_translate(*, practice: Practice, by, language_code: str, values: dict) -> Practice:
    """Write (or, with empty values, remove) a practice's translation into one UI language."""
    if language_code not in ui_language_codes():
        raise ValidationError(_("Translations are into the site's languages only."))
    with transaction.atomic():
        locked = (
            Practice.objects.select_for_update().select_related("original_language", "organization").get(pk=practice.pk)
        )
        if locked.original_language.code == language_code:
            raise ValidationError(_("This is the practice's own language: edit the practice instead."))
        if not (values.get("title") or "").strip() and any((values.get(f) or "").strip() for f in LONG_FIELDS):
            raise ValidationError({"title": [_("A translation needs its title.")]})
        for field in TEXT_FIELDS:
            setattr(locked, f"{field}_{ui_language_field(language_code)}", _normalized(field, values.get(field)))
        _after_change(locked, by=by)
        _check_texts(locked)
        locked.full_clean(exclude=["author"])
        locked.save()
    return locked


def practice_submit(*, practice: Practice) -> Practice:
    """Send a draft or returned practice to the stewards."""
    with transaction.atomic():
        locked = Practice.objects.select_for_update().get(pk=practice.pk)
        if locked.status == Practice.Status.SUBMITTED:
            return locked  # a repeated submit
        if locked.status == Practice.Status.PUBLISHED:
            raise ValidationError(_("This practice is already published."))
        locked.status = Practice.Status.SUBMITTED
        locked.full_clean(exclude=["author"])
        locked.save(update_fields=["status", "updated_at"])
    return locked


def practice_publish(*, practice: Practice, by) -> Practice:
    """A steward puts a submitted practice in the library."""
    if not is_steward(by):
        raise PermissionDenied
    with transaction.atomic():
        locked = Practice.objects.select_for_update().get(pk=practice.pk)
        if locked.status == Practice.Status.PUBLISHED:
            return locked  # a repeated publish
        if locked.status != Practice.Status.SUBMITTED:
            raise ValidationError(_("Only a practice waiting for review can be published."))
        locked.status = Practice.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.reviewed_by = by
        locked.review_note = ""
        locked.full_clean(exclude=["author"])
        locked.save(update_fields=["status", "published_at", "reviewed_by", "review_note", "updated_at"])
    return locked


def practice_return(*, practice: Practice, by, note: str) -> Practice:
    """A steward sends a submitted practice back to its organization with a note on what to change."""
    if not is_steward(by):
        raise PermissionDenied
    note = _normalized("context", note)
    if not note:
        raise ValidationError({"review_note": [_("Say what should change before it can be published.")]})
    with transaction.atomic():
        locked = Practice.objects.select_for_update().get(pk=practice.pk)
        if locked.status != Practice.Status.SUBMITTED:
            raise ValidationError(_("Only a practice waiting for review can be returned."))
        locked.status = Practice.Status.RETURNED
        locked.review_note = note
        locked.reviewed_by = by
        refuse_hidden_characters(note)
        locked.full_clean(exclude=["author"])
        locked.save(update_fields=["status", "review_note", "reviewed_by", "updated_at"])
    return locked
