"""Forms of the support pages: they validate and normalize; the services decide."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region, single_line

from .access import MANAGING_ROLES
from .models import Organization, SupportOffer, SupportRequest, User
from .services import refuse_hidden_characters, refuse_invisible_text
from .support_filters import capacity_choices


def _one_kind_of_line_break(value):
    # Browsers send CR LF; stored text uses LF, so a limit counts what a person sees.
    return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class WrittenText(forms.CharField):
    """Text written by a person, in any language: line breaks allowed, hidden characters not."""

    # dir="auto": someone using the Arabic interface may write in English, and the other way round.
    widget = forms.Textarea(attrs={"rows": 6, "dir": "auto"})

    def __init__(self, **kwargs):
        super().__init__(validators=[refuse_hidden_characters, refuse_invisible_text], **kwargs)

    def to_python(self, value):
        return super().to_python(_one_kind_of_line_break(value))


def _language_field(label):
    return forms.ModelChoiceField(
        label=label,
        queryset=Language.objects.all(),
        to_field_name="code",
        help_text=_("Readers see your text with this language's script and direction."),
    )


class SupportRequestForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, validators=[single_line], widget=forms.TextInput(attrs={"dir": "auto"})
    )
    what_happened = WrittenText(label=_("What happened"), max_length=5000)
    what_is_needed = WrittenText(label=_("What is needed"), max_length=5000)
    categories = forms.ModelMultipleChoiceField(
        label=_("Capacities needed"),
        queryset=CapacityCategory.objects.all(),
        to_field_name="slug",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (or Cmd) to pick more than one. People who share them are told once a steward triages the request."
        ),
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="slug", required=False
    )
    language = _language_field(_("Written in"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=SupportRequest.Urgency.choices, initial="medium")
    is_sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_(
            "Only you, the stewards and the responders you or they choose can see a sensitive request; "
            "nobody else is emailed about it."
        ),
    )
    organization = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Myself"),
        help_text=_("Only organizations where you are staff or administrator."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = capacity_choices()
        managed = Organization.objects.filter(memberships__user=user, memberships__role__in=MANAGING_ROLES)
        if managed.exists():
            self.fields["organization"].queryset = managed.order_by("name")
        else:
            # Nothing to choose: the field would only offer "Myself".
            del self.fields["organization"]
        self.fields["language"].initial = translation.get_language()
        if user.home_region_id:
            self.fields["region"].initial = user.home_region.slug


class SupportMoveForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Move to"), choices=SupportRequest.Status.choices)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False, validators=[single_line])


class SupportOfferForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of help"), choices=SupportOffer.Kind.choices)
    message = WrittenText(label=_("Your offer"), max_length=3000)
    language = _language_field(_("Written in"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = translation.get_language()


class SupportResponderForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, validators=[single_line])

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        person = User.objects.filter(username__iexact=username, is_active=True).first()
        if person is None:
            raise forms.ValidationError(_("Nobody has this username."))
        return person
