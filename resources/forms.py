"""Forms of the funding pages: they validate and normalize; the services decide."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, single_line
from programs.models import Program
from stakeholders.models import Organization
from stakeholders.services import refuse_invisible_text
from stakeholders.support_forms import WrittenText

from .models import Allocation, Currency, Expenditure, Fund


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _amount_field(label, **kwargs):
    # No max_digits here: the service refuses absurd amounts with a message about the decimal point.
    return forms.DecimalField(
        label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs
    )


class FundForm(forms.Form):
    funder = forms.ModelChoiceField(label=_("Funder"), queryset=Organization.objects.none(), to_field_name="slug")
    # A name of zero-width characters alone would list as an empty, unclickable line.
    name = forms.CharField(label=_("Name"), max_length=200, validators=[single_line, refuse_invisible_text])
    currency = forms.ModelChoiceField(
        label=_("Currency"),
        queryset=Currency.objects.all(),
        help_text=_("Allocations are counted in this currency on the fund's pages."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())

    def __init__(self, *args, funders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = funders
        self.fields["currency"].label_from_instance = lambda currency: f"{currency.code} — {currency.name}"


class RecipientField(forms.CharField):
    """An organization named by its slug (the page offers them in a datalist); funders are not recipients."""

    def clean(self, value):
        slug = super().clean(value).strip()
        organization = Organization.objects.exclude(kind=Organization.Kind.FUNDER).filter(slug=slug).first()
        if organization is None:
            raise forms.ValidationError(
                _("No organization that can receive resources has the short name “%(slug)s”."),
                params={"slug": slug[:80]},
            )
        return organization


class AllocationForm(forms.Form):
    """What a fund gives: the recipient only when creating; its programs once the recipient is known."""

    recipient = RecipientField(
        label=_("Recipient organization"),
        max_length=80,
        validators=[single_line],
        help_text=_("Type the organization's short name (as in its address) or pick it from the suggestions."),
        widget=forms.TextInput(attrs={"list": "recipient-choices", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Allocation.Kind.choices, widget=forms.RadioSelect)
    amount = _amount_field(
        _("Amount"), help_text=_("Money: the amount. In-kind support: its estimated value. Leave empty for time.")
    )
    currency = forms.ModelChoiceField(label=_("Currency"), queryset=Currency.objects.all(), required=False)
    description = WrittenText(
        label=_("Description"), max_length=5000, required=False, help_text=_("In-kind support: what is given.")
    )
    hours = _amount_field(_("Hours"), help_text=_("People's time: the number of hours."))
    value_per_hour = _amount_field(
        _("Value per hour"), help_text=_("People's time, optional: what an hour is worth, in the currency above.")
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Purpose: capacities built"),
        queryset=CapacityCategory.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    methods = forms.MultipleChoiceField(
        label=_("Methods"), choices=Program.Method.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs of the recipient"),
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())

    def __init__(self, *args, recipient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].label_from_instance = lambda currency: f"{currency.code} — {currency.name}"
        if recipient is None:
            del self.fields["programs"]
        else:
            # The recipient is known: it stays, and its programs are offered.
            del self.fields["recipient"]
            self.fields["programs"].queryset = Program.objects.filter(provider=recipient).order_by("slug")


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Allocation.Status.choices)


def _megabytes(size):
    return round(size / 1_048_576, 1)


class ExpenditureForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=DateInput())
    amount = _amount_field(_("Amount"))
    category = forms.ChoiceField(label=_("Category"), choices=Expenditure.Category.choices)
    note = WrittenText(label=_("Note"), max_length=2000, required=False)
    overspend_reason = WrittenText(
        label=_("Reason for spending beyond the allocation"),
        max_length=2000,
        required=False,
        help_text=_("Needed only when, with this amount, spending goes beyond the allocation."),
    )
    receipt = forms.FileField(
        label=_("Receipt"),
        required=False,
        help_text=_("A PDF, PNG or JPEG file."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, allocation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = True
        self.fields["amount"].label = _("Amount in %(code)s") % {"code": allocation.currency_id}
        self.fields["amount"].help_text = _("In the allocation's currency, %(code)s, whatever was paid in.") % {
            "code": allocation.currency_id
        }
        limit = _megabytes(settings.RECEIPT_MAX_BYTES)
        self.fields["receipt"].help_text = _("A PDF, PNG or JPEG file of at most %(limit)s MB.") % {"limit": limit}

    def clean_receipt(self):
        upload = self.cleaned_data.get("receipt")
        if upload is None:
            return None
        # The size is known before anything is read: a huge file is refused without loading it.
        limit = settings.RECEIPT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("A receipt can be at most %(limit)s MB; this file is %(size)s MB.")
                % {"limit": _megabytes(limit), "size": _megabytes(upload.size)}
            )
        return upload


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, remove this expenditure and its receipt"))


def fund_initial(fund: Fund):
    return {
        "funder": fund.funder.slug,
        "name": fund.name,
        "currency": fund.currency_id,
        "starts_on": fund.starts_on,
        "ends_on": fund.ends_on,
    }
