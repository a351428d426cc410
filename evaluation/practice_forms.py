"""Forms of the practice pages: they validate and normalize; the services decide again."""

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region, single_line, text_direction
from programs.forms import LanguageChoiceField, OriginalLanguageSelect
from programs.models import Program
from stakeholders.models import Organization
from stakeholders.support_forms import WrittenText

from .practices import report_scope_choices

TEXT_LIMIT = 5000
ORIGINAL_TEXTS = ("context", "what_was_done", "evidence", "would_change")


class OneLine(forms.CharField):
    """A title: line breaks and runs of spaces become one space, control characters are refused."""

    def __init__(self, **kwargs):
        super().__init__(max_length=200, validators=[single_line], **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return " ".join(value.split()) if value else value


def _text(label, *, required=True, help_text=""):
    return WrittenText(label=label, max_length=TEXT_LIMIT, required=required, help_text=help_text)


class PracticeForm(forms.Form):
    """A practice as its organization's staff write it, in the language they write best."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        help_text=_("Only organizations where you are staff or administrator."),
    )
    original_language = LanguageChoiceField(
        label=_("Written in"),
        queryset=Language.objects.order_by("english_name"),
        to_field_name="code",
        widget=OriginalLanguageSelect,
        help_text=_("Any language; translations into the site's languages can be added afterwards."),
    )
    original_title = OneLine(label=_("Title"), widget=forms.TextInput(attrs={"dir": "auto"}))
    original_context = _text(_("Context"), help_text=_("Who, where, and the problem you faced."))
    original_what_was_done = _text(_("What was done"))
    original_evidence = _text(
        _("Evidence"), help_text=_("What shows it worked: figures, reports, what participants said.")
    )
    original_would_change = _text(_("What you would change"), required=False)
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs"),
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Your organization's programs this practice comes from. Hold Ctrl (or Cmd) to pick more than one."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Capacities"),
        queryset=CapacityCategory.objects.order_by(
            Coalesce("parent__position", "position"),
            Coalesce("parent__slug", "slug"),
            F("parent").asc(nulls_first=True),
            "position",
            "slug",
        ),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the practice builds; choose at least one."),
    )
    method = forms.ChoiceField(
        label=_("Method"), choices=[("", _("No particular method")), *Program.Method.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="slug", required=False
    )
    report_scopes = forms.MultipleChoiceField(
        label=_("Learning reports"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("The reports this practice helps to read; it is shown beside them."),
    )

    def __init__(self, *args, user_organizations, practice=None, **kwargs):
        """`user_organizations`: the organizations this person writes for (managed_organizations)."""
        super().__init__(*args, **kwargs)
        self.practice = practice
        # The original text is typed in its language's script and direction; static/js/workspace.js
        # follows the select when another language is chosen.
        layout = practice.original_language if practice else Language.objects.filter(code=get_language()).first()
        if layout is not None:
            self.initial.setdefault("original_language", layout)
            for name in ("original_title", *[f"original_{f}" for f in ORIGINAL_TEXTS]):
                self.fields[name].widget.attrs.update(
                    {"lang": layout.code, "dir": layout.direction, "data-original-text": ""}
                )
        organizations = list(user_organizations.order_by("name"))
        self.fields["organization"].queryset = user_organizations
        self.fields["programs"].queryset = Program.objects.filter(provider__in=user_organizations).order_by(
            "original_title", "pk"
        )
        self.fields["report_scopes"].choices = report_scope_choices(organizations=organizations)
        if practice is not None:
            # The organization a practice belongs to stays: its programs and reports follow it.
            del self.fields["organization"]
            self.fields["programs"].queryset = Program.objects.filter(provider=practice.organization_id).order_by(
                "original_title", "pk"
            )
            self.fields["report_scopes"].choices = report_scope_choices(organizations=[practice.organization])
            self.initial.update(
                {
                    "original_language": practice.original_language,
                    "region": practice.region,
                    "method": practice.method,
                    "report_scopes": practice.report_scopes,
                    "programs": list(practice.programs.all()),
                    "categories": list(practice.categories.all()),
                    **{f"original_{f}": getattr(practice, f"original_{f}") for f in practice.original_fields},
                }
            )
        elif len(organizations) == 1:
            self.initial.setdefault("organization", organizations[0])

    def clean(self):
        cleaned = super().clean()
        organization = self.practice.organization if self.practice else cleaned.get("organization")
        programs = cleaned.get("programs") or []
        if organization is not None and any(program.provider_id != organization.pk for program in programs):
            self.add_error("programs", _("Link only the chosen organization's own programs."))
        scopes = cleaned.get("report_scopes") or []
        own = {f"organization:{organization.slug}"} if organization is not None else set()
        if any(value.startswith("organization:") and value not in own for value in scopes):
            self.add_error("report_scopes", _("Choose only the chosen organization's own report."))
        return cleaned


class PracticeTranslationForm(forms.Form):
    """A practice's text in one of the site's languages; all empty removes the translation."""

    title = OneLine(label=_("Title"), required=False)
    context = _text(_("Context"), required=False)
    what_was_done = _text(_("What was done"), required=False)
    evidence = _text(_("Evidence"), required=False)
    would_change = _text(_("What you would change"), required=False)

    def __init__(self, *args, language_code, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Typed in the target language: its script and direction, whatever the page's.
            field.widget.attrs.update({"lang": language_code, "dir": text_direction(language_code)})

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("title") and any(cleaned.get(name) for name in self.fields if name != "title"):
            self.add_error("title", _("A translation needs its title."))
        return cleaned


class PracticeReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
    )
    note = WrittenText(
        label=_("Note to the organization"),
        max_length=1000,
        required=False,
        help_text=_("Needed when you return it: say what should change."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("note"):
            self.add_error("note", _("Say what should change before it can be published."))
        return cleaned
