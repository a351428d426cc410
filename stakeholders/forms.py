import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from capacity.models import Language, Region, single_line

from .models import User


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
