"""The activity report form and the Dashboard course CSV upload; services decide what is consistent."""

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import services
from .dashboard import DashboardFileError, parse_course_csv
from .models import DEMOGRAPHIC_DIMENSIONS, DEMOGRAPHIC_LABELS, MAX_COUNT, ActivityReport, Session

# The largest hours_of_learning the column holds (see its validator).
MAX_HOURS = 10_000_000
COUNT_FIGURES = ("newcomers", "facilitators", "pages_created", "pages_improved", "files_uploaded")
# The answers people enter; "not answered" is what is left of the participants.
NOT_ANSWERED = "not_answered"


def _model_field(name):
    return ActivityReport._meta.get_field(name)


def _count_field(name, *, required=False):
    field = _model_field(name)
    return forms.IntegerField(
        label=capfirst(field.verbose_name),
        help_text=field.help_text,
        min_value=0,
        max_value=MAX_COUNT,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def answer_fields(dimension):
    """The form fields of one dimension's answers, without "not answered"."""
    return [f"{dimension}_{answer}" for answer, _label in DEMOGRAPHIC_DIMENSIONS[dimension] if answer != NOT_ANSWERED]


class ReportForm(forms.Form):
    """A session's figures and its demographic breakdown, checked against each other by report_problems."""

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["participants"] = _count_field("participants", required=True)
        for name in COUNT_FIGURES[:2]:
            self.fields[name] = _count_field(name)
        hours = _model_field("hours_of_learning")
        self.fields["hours_of_learning"] = forms.DecimalField(
            label=capfirst(hours.verbose_name),
            help_text=hours.help_text,
            min_value=0,
            max_value=MAX_HOURS,
            max_digits=hours.max_digits,
            decimal_places=hours.decimal_places,
            required=False,
            widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        )
        for name in COUNT_FIGURES[2:]:
            self.fields[name] = _count_field(name)
        evidence = _model_field("evidence_url")
        self.fields["evidence_url"] = forms.URLField(
            label=capfirst(evidence.verbose_name),
            help_text=evidence.help_text,
            max_length=evidence.max_length,
            required=False,
            assume_scheme="https",
            # Addresses read left to right, in Arabic pages too.
            widget=forms.URLInput(attrs={"dir": "ltr"}),
        )
        self.fields["notes"] = forms.CharField(
            label=capfirst(_model_field("notes").verbose_name),
            max_length=_model_field("notes").max_length,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
        for dimension in DEMOGRAPHIC_DIMENSIONS:
            self.fields[f"{dimension}_asked"] = forms.BooleanField(
                label=_("This was asked"),
                required=False,
                help_text=_("Tick it when participants were asked; leave it empty and the counts at 0 when not."),
            )
            labels = dict(DEMOGRAPHIC_DIMENSIONS[dimension])
            for name in answer_fields(dimension):
                field = _count_field(name)
                field.label = labels[name.removeprefix(f"{dimension}_")]
                self.fields[name] = field

    @property
    def figure_fields(self):
        names = ("participants", "newcomers", "facilitators", "hours_of_learning", *COUNT_FIGURES[2:])
        return [self[name] for name in names]

    @property
    def text_fields(self):
        return [self["evidence_url"], self["notes"]]

    @property
    def dimensions(self):
        """[(dimension, label, asked bound field, [answer bound fields], not answered), …] for the template."""
        return [
            (
                dimension,
                DEMOGRAPHIC_LABELS[dimension],
                self[f"{dimension}_asked"],
                [self[name] for name in answer_fields(dimension)],
                self._not_answered(dimension),
            )
            for dimension in DEMOGRAPHIC_DIMENSIONS
        ]

    def _not_answered(self, dimension):
        """What report_save would count as "not answered" from the figures shown, or None when unknown."""
        if not self[f"{dimension}_asked"].value():
            return None
        numbers = [self["participants"].value(), *(self[name].value() for name in answer_fields(dimension))]
        try:
            participants, *answers = [int(number or 0) for number in numbers]
        except (TypeError, ValueError):
            return None
        left = participants - sum(answers)
        return left if left >= 0 else None

    def clean(self):
        cleaned = super().clean()
        if "participants" not in cleaned:
            return cleaned  # the figures cannot be compared with a participant count that is not there
        problems = services.report_problems(session=self.session, values=cleaned)
        for field, message in problems.items():
            self.add_error(None if field == "__all__" else field, message)
        return cleaned

    @staticmethod
    def initial_from(report: ActivityReport | None) -> dict:
        if report is None:
            return {}
        names = [
            *("participants", "newcomers", "facilitators", "hours_of_learning", *COUNT_FIGURES[2:]),
            "evidence_url",
            "notes",
        ]
        for dimension in DEMOGRAPHIC_DIMENSIONS:
            names += [f"{dimension}_asked", *answer_fields(dimension)]
        return {name: getattr(report, name) for name in names}


class DashboardUploadForm(forms.Form):
    """A course CSV downloaded from the Programs & Events Dashboard."""

    file = forms.FileField(
        label=_("Course CSV from the Dashboard"),
        help_text=_("On the course's page on the Dashboard, download the course overview as CSV."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            # One byte past the limit is enough for the parser to refuse a file too large.
            data = upload.read(settings.DASHBOARD_CSV_MAX_BYTES + 1)
            self.cleaned_data["course"] = parse_course_csv(data, course_slug=self.session.dashboard_course)
        except DashboardFileError as error:
            raise forms.ValidationError(error.problems) from None
        return upload
