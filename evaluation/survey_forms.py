"""The questionnaire: built from the survey's kind and the capacities the program teaches."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.services import refuse_hidden_characters

from .models import SurveyKind, SurveyResponse

COMMENTS_MAX_LENGTH = SurveyResponse._meta.get_field("comments").max_length
SCALE = [(value, str(value)) for value in range(1, 6)]


class SurveyForm(forms.Form):
    """One survey's questions; `cleaned_data` is what `survey_respond` takes as `data`."""

    def __init__(self, *args, kind, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.categories = list(categories)
        # The field names carry the category id; a category the program does not teach
        # has no field, so whatever a hostile client posts for it is never read.
        for category in self.categories:
            self.fields[f"rating_{category.pk}"] = forms.TypedChoiceField(
                label=category.shown("name").text,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a rating from 1 to 5.")},
            )
        if kind == SurveyKind.POST:
            self.fields["satisfaction"] = forms.TypedChoiceField(
                label=_("How satisfied are you with the session?"),
                help_text=_("1 = not at all, 5 = very satisfied"),
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a rating from 1 to 5.")},
            )
        if kind not in (SurveyKind.PRE, SurveyKind.POST):
            self.fields["still_active"] = forms.TypedChoiceField(
                label=_("Are you still active on Wikimedia projects?"),
                choices=[("yes", _("Yes")), ("no", _("No"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )
            self.fields["using_learning"] = forms.ChoiceField(
                label=_("Do you use what you learned in the session?"),
                choices=SurveyResponse.Using.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one answer.")},
            )
        self.fields["comments"] = forms.CharField(
            label=_("Anything else you would like to tell the organizers?"),
            required=False,
            strip=True,
            # Line breaks and tabs, but no control characters or text direction overrides (as support texts).
            validators=[refuse_hidden_characters],
            widget=forms.Textarea(attrs={"rows": 5, "maxlength": COMMENTS_MAX_LENGTH}),
        )

    def rating_fields(self):
        return [self[f"rating_{category.pk}"] for category in self.categories]

    def clean_comments(self):
        # Browsers send line breaks as CR LF but count them as one character against
        # maxlength: count them the same way here.
        comments = self.cleaned_data["comments"].replace("\r\n", "\n").replace("\r", "\n")
        if len(comments) > COMMENTS_MAX_LENGTH:
            raise forms.ValidationError(
                _("Keep your comments to %(limit)d characters (they are %(length)d)."),
                params={"limit": COMMENTS_MAX_LENGTH, "length": len(comments)},
                code="max_length",
            )
        return comments

    def answers(self):
        """The cleaned answers in the shape `survey_respond` takes."""
        data = self.cleaned_data
        return {
            "ratings": {category.pk: data[f"rating_{category.pk}"] for category in self.categories},
            "satisfaction": data.get("satisfaction"),
            "still_active": data.get("still_active"),
            "using_learning": data.get("using_learning", ""),
            "comments": data.get("comments", ""),
        }
