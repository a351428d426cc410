import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from capacity.models import Language, Region, single_line

from .models import Membership, Organization, User


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
