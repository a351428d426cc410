"""The self-assessment form: one 1–5 radio group per capacity family, each of which may be left unrated."""

from django import forms
from django.utils.translation import gettext_lazy as _

RATING_CHOICES = [
    ("", _("Not rated")),
    (1, _("1 · Just starting")),
    (2, _("2 · Learning")),
    (3, _("3 · Able to do it")),
    (4, _("4 · Confident")),
    (5, _("5 · Able to teach others")),
]


class SelfAssessmentForm(forms.Form):
    """Built from the capacities to rate; the answers come back as {category: rating} in `ratings`."""

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {}
        for category in categories:
            name = f"capacity-{category.slug}"
            self.categories[name] = category
            self.fields[name] = forms.TypedChoiceField(
                label=category.name,
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(name) for name in self.categories):
            raise forms.ValidationError(_("Rate at least one capacity, or leave the page: nothing was saved."))
        return cleaned

    @property
    def ratings(self):
        return {
            category: self.cleaned_data[name]
            for name, category in self.categories.items()
            if self.cleaned_data.get(name) is not None
        }

    @staticmethod
    def initial_from(*, categories, latest):
        """The form's starting answers: the last round's ratings (by category id)."""
        return {f"capacity-{c.slug}": latest[c.pk] for c in categories if c.pk in latest}
