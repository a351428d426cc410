"""Forms of the affiliate staff's workspace: a program with its translations, and a session."""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from capacity.dates import zone_named
from capacity.models import (
    CapacityCategory,
    Language,
    Region,
    single_line,
    text_direction,
    ui_language_codes,
    ui_language_field,
)
from stakeholders.models import User

from .filters import DATE_LIMITS
from .models import MAX_COUNT, Program, dashboard_course_id

# The fields written in the original language and translated into each UI language.
TRANSLATED_FIELDS = ("title", "summary", "description")


def translation_field(field: str, code: str) -> str:
    """The form field (and modeltranslation column) of a field's translation: title, pt-br → title_pt_br."""
    return f"{field}_{ui_language_field(code)}"


def _language_attrs(code: str, direction: str) -> dict:
    return {"lang": code, "dir": direction}


class OriginalLanguageSelect(forms.Select):
    """Options carry their language's code and direction for static/js/workspace.js.

    When the original language changes, the script sets lang and dir on the original
    fields at once, so Arabic is typed right to left before the form is saved.
    """

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        language = getattr(value, "instance", None)
        if language is not None:
            option["attrs"]["data-direction"] = language.direction
            option["attrs"]["data-autonym"] = language.autonym
        return option


class LanguageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, language):
        if language.autonym == language.english_name:
            return language.autonym
        return f"{language.autonym} — {language.english_name}"


class LanguagesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, language):
        if language.autonym == language.english_name:
            return language.autonym
        return f"{language.autonym} — {language.english_name}"


@dataclass
class LanguageTab:
    """One language's fields on the program form: the original, or a translation."""

    code: str
    name: str
    direction: str
    is_original: bool
    fields: list
    # A UI language's tab when that language is also the original: no translation is
    # written into it, so the script hides it (and shows it again if the original changes).
    same_as_original: bool = False

    @property
    def panel_id(self):
        return "language-original" if self.is_original else f"language-{self.code}"

    @property
    def has_errors(self):
        return any(field.errors for field in self.fields)


class ProgramForm(forms.ModelForm):
    """A program as its organization's staff write it: the original text, translations, facts.

    The provider is not a field: the view sets it from the workspace the form belongs
    to, so nobody can file a program under another organization.
    """

    original_language = LanguageChoiceField(
        label=_("Original language"),
        queryset=Language.objects.order_by("english_name"),
        to_field_name="code",
        widget=OriginalLanguageSelect,
        help_text=_("The language the program was written in; it may be any language, not only those of the site."),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), to_field_name="slug")
    categories = forms.ModelMultipleChoiceField(
        label=_("Capacities"),
        # Each top-level capacity followed by its own: the form lists them as a tree.
        queryset=CapacityCategory.objects.order_by(
            Coalesce("parent__position", "position"),
            Coalesce("parent__slug", "slug"),
            F("parent").asc(nulls_first=True),
            "position",
            "slug",
        ),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What people learn; choose at least one."),
    )
    languages = LanguagesChoiceField(
        label=_("Languages of instruction"),
        queryset=Language.objects.order_by("english_name"),
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to pick more than one."),
    )
    slug = forms.SlugField(
        label=_("Address"),
        max_length=100,
        required=False,
        help_text=_(
            "The last part of the program's web address: lowercase letters, digits and hyphens. "
            "Leave it empty to make one from the title. Changing it breaks links to the old address."
        ),
    )

    class Meta:
        model = Program
        fields = [
            "original_language",
            "original_title",
            "original_summary",
            "original_description",
            *[translation_field(field, code) for code in ui_language_codes() for field in TRANSLATED_FIELDS],
            "method",
            "format",
            "level",
            "region",
            "categories",
            "languages",
            "slug",
        ]

    def __init__(self, *args, layout_language, **kwargs):
        """`layout_language` is the original language the tabs are laid out for.

        It is the saved one (or the page's language for a new program), not the one
        just posted: the fields on the page are the ones the person filled in.
        """
        super().__init__(*args, **kwargs)
        self.layout_language = layout_language
        if self.instance.pk:
            # The instance gives foreign keys as ids; these fields choose by code and slug.
            self.initial["original_language"] = self.instance.original_language
            self.initial["region"] = self.instance.region
        self.fields["original_title"].label = _("Title")
        self.fields["original_summary"].label = _("Summary")
        self.fields["original_summary"].help_text = _("One or two sentences shown in the catalog.")
        self.fields["original_description"].label = _("Description")
        original_attrs = {**_language_attrs(layout_language.code, layout_language.direction), "data-original-text": ""}
        for field in TRANSLATED_FIELDS:
            self.fields[f"original_{field}"].widget.attrs.update(original_attrs)
            for code in ui_language_codes():
                form_field = self.fields[translation_field(field, code)]
                form_field.label = self.fields[f"original_{field}"].label
                form_field.required = False
                form_field.widget.attrs.update(_language_attrs(code, text_direction(code)))
        for name in ("original_description", *[translation_field("description", c) for c in ui_language_codes()]):
            self.fields[name].widget.attrs["rows"] = 6
        if layout_language.code in ui_language_codes():
            # The original language's own translation columns are not shown filled: the
            # original fields hold its text, and saving empties these columns anyway.
            for field in TRANSLATED_FIELDS:
                self.initial[translation_field(field, layout_language.code)] = ""

    def language_tabs(self) -> list[LanguageTab]:
        """The original first, then a tab per UI language that is not the original."""
        original = self.layout_language
        tabs = [
            LanguageTab(
                code=original.code,
                name=original.autonym,
                direction=original.direction,
                is_original=True,
                fields=[self[f"original_{field}"] for field in TRANSLATED_FIELDS],
            )
        ]
        # Every UI language keeps its tab, the original's own too: choosing another
        # original language on the page then leaves a tab for the old one's translation.
        for code in ui_language_codes():
            tabs.append(
                LanguageTab(
                    code=code,
                    name=translation.get_language_info(code)["name_local"],
                    direction=text_direction(code),
                    is_original=False,
                    fields=[self[translation_field(field, code)] for field in TRANSLATED_FIELDS],
                    same_as_original=code == original.code,
                )
            )
        return tabs

    def clean(self):
        cleaned = super().clean()
        language = cleaned.get("original_language")
        if language is None or language.code not in ui_language_codes():
            return cleaned
        # A program has no translation into its own original language: readers of that
        # language see the original. Text typed in that language's tab is not dropped
        # silently when the original language has just been changed to it.
        for field in TRANSLATED_FIELDS:
            name = translation_field(field, language.code)
            if cleaned.get(name) and language.code != self.layout_language.code:
                self.add_error(
                    name,
                    _(
                        "%(language)s is now the original language, so the program has no translation into it. "
                        "Empty this field, or choose the original language again."
                    )
                    % {"language": language.autonym},
                )
            else:
                cleaned[name] = ""
        return cleaned


def _date_widget():
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _time_widget():
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
# Enough for any real team of facilitators; a longer list is a paste gone wrong.
MAX_FACILITATORS = 20
USERNAME_SEPARATORS = re.compile(r"[\s,;]+")

# Where each model field's errors show on the session form.
SESSION_ERROR_FIELDS = {
    "starts_at": "starts_on",
    "ends_at": "ends_on",
    "enrollment_opens_at": "opens_on",
    "enrollment_closes_at": "closes_on",
    "seats": "seats",
    "venue": "venue",
    "online_url": "online_url",
    "time_zone": "time_zone",
    "dashboard_course": "dashboard_course",
}


class SessionForm(forms.Form):
    """A session's dates in its own time zone, its seats, place, facilitators and Dashboard course."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("Where the session happens. The dates and times below are in this time zone."),
    )
    starts_on = forms.DateField(label=_("Start date"), widget=_date_widget(), validators=DATE_LIMITS)
    starts_time = forms.TimeField(label=_("Start time"), widget=_time_widget())
    ends_on = forms.DateField(label=_("End date"), widget=_date_widget(), validators=DATE_LIMITS)
    ends_time = forms.TimeField(label=_("End time"), widget=_time_widget())
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_COUNT)
    opens_on = forms.DateField(
        label=_("Enrollment opens on"), required=False, widget=_date_widget(), validators=DATE_LIMITS
    )
    opens_time = forms.TimeField(label=_("Enrollment opens at"), required=False, widget=_time_widget())
    closes_on = forms.DateField(
        label=_("Enrollment closes on"), required=False, widget=_date_widget(), validators=DATE_LIMITS
    )
    closes_time = forms.TimeField(label=_("Enrollment closes at"), required=False, widget=_time_widget())
    venue = forms.CharField(
        label=_("Venue"),
        max_length=300,
        required=False,
        validators=[single_line],
        help_text=_("The place and address, for sessions on site."),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to people enrolled in the session."),
    )
    facilitators = forms.CharField(
        label=_("Facilitators"),
        max_length=1000,
        required=False,
        validators=[single_line],
        help_text=_("Usernames of people in your organization, separated by commas."),
    )
    dashboard_course = forms.CharField(
        label=_("Programs & Events Dashboard course"),
        max_length=300,
        required=False,
        validators=[single_line, dashboard_course_id],
        help_text=_("The course id on the Dashboard, like Institution/Course_title_(term)."),
    )

    # (date field, time field, what the pair becomes, whether it is required)
    MOMENTS = (
        ("starts_on", "starts_time", "starts_at", True),
        ("ends_on", "ends_time", "ends_at", True),
        ("opens_on", "opens_time", "enrollment_opens_at", False),
        ("closes_on", "closes_time", "enrollment_closes_at", False),
    )

    def __init__(self, *args, organization, session=None, time_zone="UTC", **kwargs):
        """`session` fills the form for editing; a new session starts in `time_zone`."""
        self.organization = organization
        if session is not None:
            kwargs.setdefault("initial", self.initial_for(session))
        else:
            kwargs.setdefault("initial", {"time_zone": time_zone})
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, session):
        zone = zone_named(session.time_zone) or timezone.get_default_timezone()  # one stored past the validator
        initial = {
            "time_zone": session.time_zone,
            "seats": session.seats,
            "venue": session.venue,
            "online_url": session.online_url,
            "dashboard_course": session.dashboard_course,
            "facilitators": ", ".join(sorted(person.username for person in session.facilitators.all())),
        }
        for date_name, time_name, moment_name, _required in cls.MOMENTS:
            moment = getattr(session, moment_name)
            if moment is not None:
                local = moment.astimezone(zone)
                initial[date_name] = local.date()
                initial[time_name] = local.time().replace(second=0, microsecond=0)
        return initial

    def clean_facilitators(self):
        names = [name.removeprefix("@") for name in USERNAME_SEPARATORS.split(self.cleaned_data["facilitators"])]
        names = list(dict.fromkeys(name for name in names if name))
        if len(names) > MAX_FACILITATORS:
            raise ValidationError(
                ngettext(
                    "A session has at most %(count)s facilitator.",
                    "A session has at most %(count)s facilitators.",
                    MAX_FACILITATORS,
                )
                % {"count": MAX_FACILITATORS}
            )
        people = User.objects.filter(
            username__in=names, is_active=True, memberships__organization=self.organization
        ).distinct()
        found = {person.username: person for person in people}
        unknown = [name for name in names if name not in found]
        if unknown:
            raise ValidationError(
                ngettext(
                    "Nobody in %(organization)s has the username %(names)s.",
                    "Nobody in %(organization)s has these usernames: %(names)s.",
                    len(unknown),
                )
                % {"organization": self.organization.name, "names": ", ".join(unknown)}
            )
        return [found[name] for name in names]

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("time_zone")
        if not name:
            return cleaned
        zone = zoneinfo.ZoneInfo(name)
        for date_name, time_name, moment_name, required in self.MOMENTS:
            cleaned[moment_name] = self._moment(cleaned, date_name, time_name, zone, required=required)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", _("A session must end after it starts."))
        opens, closes = cleaned.get("enrollment_opens_at"), cleaned.get("enrollment_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", _("Enrollment must close after it opens."))
        return cleaned

    def _moment(self, cleaned, date_name, time_name, zone, *, required):
        """The date and time fields as one aware datetime in the session's zone, or None."""
        day, clock = cleaned.get(date_name), cleaned.get(time_name)
        if day is None and clock is None:
            return None  # a required pair has its "required" errors already
        if day is None or clock is None:
            missing = date_name if day is None else time_name
            if missing not in self.errors:
                self.add_error(missing, _("Give both a date and a time, or neither."))
            return None
        moment = datetime.combine(day, clock, tzinfo=zone)
        # A wall time skipped when the clocks go forward comes back as another time.
        if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
            self.add_error(
                time_name,
                _("%(time)s does not exist on that day in %(zone)s: the clocks change. Choose another time.")
                % {"time": clock.strftime("%H:%M"), "zone": zone.key},
            )
            return None
        return moment

    def session_values(self) -> dict:
        """The Session columns this form sets, for the view to hand to session_save."""
        names = ("time_zone", "starts_at", "ends_at", "enrollment_opens_at", "enrollment_closes_at", "seats")
        names += ("venue", "online_url", "dashboard_course")
        return {name: self.cleaned_data[name] for name in names}

    def add_service_error(self, error: ValidationError):
        """Show what session_save refused on the field it is about."""
        add_error_to_form(self, error, SESSION_ERROR_FIELDS)


def add_error_to_form(form, error: ValidationError, fields: dict | None = None):
    """Put a service's ValidationError on the form: per field where the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = (fields or {}).get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def default_original_language(code: str | None = None) -> Language:
    """The page's language as a Language row, else the site's default language."""
    code = code or translation.get_language() or settings.LANGUAGE_CODE
    return (
        Language.objects.filter(code=code).first()
        or Language.objects.filter(code=settings.LANGUAGE_CODE).first()
        or Language.objects.order_by("pk").first()
    )
