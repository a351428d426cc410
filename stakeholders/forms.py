import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from capacity.models import CapacityCategory, Language, Region, single_line

from .models import CapacityLevel, Membership, Organization, Proficiency, User
from .services import refuse_invisible_text


class ProfileForm(forms.ModelForm):
    # Shown on certificates and to organizers: one plain line, no reordering tricks.
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        validators=[single_line],
        help_text=_("Shown on certificates and to organizers of your sessions."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
        help_text=_("Session dates are shown in this time zone."),
    )
    preferred_language = forms.ChoiceField(label=_("Language for emails"), choices=settings.LANGUAGES)
    # Chosen by slug and code, not id: a number too large for the database made
    # SQLite raise OverflowError (a 500) instead of "not one of the choices".
    home_region = forms.ModelChoiceField(
        label=_("Home region"), queryset=Region.objects.all(), to_field_name="slug", required=False
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages you speak"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to pick more than one."),
    )

    class Meta:
        model = User
        fields = ["display_name", "home_region", "languages", "time_zone", "preferred_language"]


class InvitationForm(forms.Form):
    """Who to invite, by email or username, and with which role."""

    person = forms.CharField(
        label=_("Email or username"),
        max_length=254,
        validators=[single_line],
        help_text=_("The person must already have an account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def clean_person(self):
        value = self.cleaned_data["person"].strip()
        people = User.objects.filter(is_active=True)
        if "@" in value:
            matches = list(people.filter(email__iexact=value)[:2])
        else:
            matches = list(people.filter(username=value)[:2])
        if len(matches) != 1:
            raise forms.ValidationError(
                _("No one with this email or username has an account here. Ask them to sign up first.")
            )
        return matches[0]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class OrganizationForm(forms.ModelForm):
    """An organization's profile: name and description in every UI language, and its facts."""

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), to_field_name="slug")
    languages = forms.ModelMultipleChoiceField(
        label=_("Working languages"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to pick more than one."),
    )

    class Meta:
        model = Organization
        fields = [
            *[build_localized_fieldname("name", code) for code, _name in settings.LANGUAGES],
            *[build_localized_fieldname("description", code) for code, _name in settings.LANGUAGES],
            "website",
            "languages",
            "region",
            "kind",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language_names = dict(settings.LANGUAGES)
        for code, _name in settings.LANGUAGES:
            name_field = self.fields[build_localized_fieldname("name", code)]
            name_field.label = _("Name (%(language)s)") % {"language": language_names[code]}
            name_field.validators.append(single_line)
            name_field.required = code == settings.MODELTRANSLATION_DEFAULT_LANGUAGE
            description_field = self.fields[build_localized_fieldname("description", code)]
            description_field.label = _("Description (%(language)s)") % {"language": language_names[code]}
            description_field.widget.attrs["rows"] = 4


# Capacity exchange ------------------------------------------------------------------


class ExchangeProfileForm(forms.Form):
    """The profile's own fields; capacities and languages have forms of their own on the same page."""

    is_listed = forms.BooleanField(
        label=_("Show in the directory"),
        required=False,
        help_text=_("Uncheck to hide from the directory and from mentor suggestions at once."),
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="slug", required=False
    )
    about = forms.CharField(
        label=_("About"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_("What you do, what you could help with, what you are looking for. At most 2000 characters."),
    )
    about_language = forms.ModelChoiceField(
        label=_("Language of the text about"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("about", "").strip() and not cleaned.get("about_language"):
            self.add_error("about_language", _("Say which language the text is written in."))
        return cleaned


class ExchangeCapacityTableForm(forms.Form):
    """One row per capacity of the taxonomy: has it (at a level), can share it, wants to learn it."""

    def __init__(self, *args, categories, initial_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_rows = initial_rows or {}
        self.categories = categories
        self.rows = []
        for category in categories:
            row = initial_rows.get(category.pk)
            prefix = f"capacity-{category.slug}"
            for flag in ("has", "shares", "wants"):
                self.fields[f"{prefix}-{flag}"] = forms.BooleanField(
                    required=False, initial=bool(row and getattr(row, flag))
                )
            self.fields[f"{prefix}-level"] = forms.TypedChoiceField(
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("No level")), *CapacityLevel.choices],
                initial=row.level if row else None,
            )
            self.rows.append(
                {
                    "category": category,
                    "prefix": prefix,
                    "has": self[f"{prefix}-has"],
                    "shares": self[f"{prefix}-shares"],
                    "wants": self[f"{prefix}-wants"],
                    "level": self[f"{prefix}-level"],
                }
            )

    def clean(self):
        cleaned = super().clean()
        self.capacities = []
        for category in self.categories:
            prefix = f"capacity-{category.slug}"
            has, shares, wants = (cleaned.get(f"{prefix}-{flag}") for flag in ("has", "shares", "wants"))
            level = cleaned.get(f"{prefix}-level")
            if level and not (has or shares):
                self.add_error(f"{prefix}-level", _("A level goes with a capacity you have or share."))
                continue
            if has or shares or wants:
                self.capacities.append(
                    {"category": category, "has": has, "shares": shares, "wants": wants, "level": level}
                )
        return cleaned


class ExchangeLanguageForm(forms.Form):
    """One language someone works in, and how well; a row left empty is ignored."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    proficiency = forms.TypedChoiceField(
        label=_("How well"), coerce=int, empty_value=None, required=False, choices=[("", "—"), *Proficiency.choices]
    )

    def __init__(self, *args, languages, **kwargs):
        # The languages are read once for the whole formset: a query per row would
        # make the page cost more the more languages someone speaks.
        super().__init__(*args, **kwargs)
        self.languages = languages
        self.fields["language"].choices = [("", "—"), *((code, str(language)) for code, language in languages.items())]

    def clean_language(self):
        code = self.cleaned_data["language"]
        return self.languages[code] if code else None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("language") and not cleaned.get("proficiency"):
            self.add_error("proficiency", _("Say how well you work in this language."))
        return cleaned


class BaseExchangeLanguageFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        self.languages = []
        for form in self.forms:
            language = form.cleaned_data.get("language")
            if not language:
                continue
            if language.pk in seen:
                raise forms.ValidationError(_("Each language can be given only once."))
            seen.add(language.pk)
            self.languages.append({"language": language, "proficiency": form.cleaned_data["proficiency"]})


# Twenty languages is more than anyone lists; a posted form claiming more is refused.
ExchangeLanguageFormSet = forms.formset_factory(
    ExchangeLanguageForm,
    formset=BaseExchangeLanguageFormSet,
    extra=2,
    max_num=20,
    validate_max=True,
    absolute_max=20,
)


class ContactForm(forms.Form):
    """A message to a person in the directory; their answer decides whether addresses are shared."""

    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        validators=[refuse_invisible_text],
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        help_text=_(
            "Say who you are and what you would like to learn. At most 2000 characters. "
            "Your email address is not sent; it is shown only if they accept."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("About which capacity (optional)"),
        queryset=None,
        to_field_name="slug",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CapacityCategory.objects.all()
        self.fields["category"].label_from_instance = lambda category: category.shown("name").text
