"""Forms of a person's data-rights and recognition pages: delete the account, demographics, what the profile shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.models import ProfileVisibility
from stakeholders.services import PROFILE_VISIBILITY_FIELDS

from .models import PersonDemographics

NOT_ANSWERED = [("", _("Not answered"))]


class DeleteAccountForm(forms.Form):
    """Deleting cannot be undone: the person says so, and proves it is them (password, or username without one)."""

    confirmation = forms.CharField(max_length=150, strip=False)
    understood = forms.BooleanField(
        label=_("I understand that my account and my personal data are deleted for good."),
        error_messages={"required": _("Tick the box to say you understand that this cannot be undone.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.asks_password = user.has_usable_password()
        field = self.fields["confirmation"]
        if self.asks_password:
            field.label = _("Your password")
            field.widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})
        else:
            field.label = _("Your username, %(username)s, typed again") % {"username": user.username}
            field.widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "dir": "ltr"})

    def clean_confirmation(self):
        given = self.cleaned_data["confirmation"]
        if self.asks_password:
            if not self.user.check_password(given):
                raise forms.ValidationError(_("This is not your password."))
        elif given.strip() != self.user.username:
            raise forms.ValidationError(_("This is not your username."))
        return given


class DemographicsForm(forms.Form):
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=NOT_ANSWERED + list(PersonDemographics._meta.get_field("gender").choices),
    )
    age = forms.ChoiceField(
        label=_("Age band"),
        required=False,
        choices=NOT_ANSWERED + list(PersonDemographics._meta.get_field("age").choices),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the portal keeps these answers so that the organizers of the sessions I attend see them "
            "counted together with other participants' answers. They never see mine on their own, and I can "
            "withdraw this at any time, which erases my answers."
        ),
        error_messages={
            "required": _("Nothing was saved: tick the box to agree to how your answers are used, or leave the page.")
        },
    )


class ProfileVisibilityForm(forms.ModelForm):
    class Meta:
        model = ProfileVisibility
        fields = PROFILE_VISIBILITY_FIELDS
