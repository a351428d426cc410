"""Our select template (templates/django/forms/widgets/select.html) writes what Django's own writes."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html


class Choices(forms.Form):
    many = forms.MultipleChoiceField(
        choices=[("a", "A <b> & 'c'"), ("Group", [("b", "B"), ("c", 'C "quoted"')])],
        required=False,
        widget=forms.SelectMultiple(attrs={"aria-describedby": "help", "disabled": False, "data-x": True}),
    )
    one = forms.ChoiceField(choices=[("", "Any"), ("1", "One"), (2, "Two")])
    maybe = forms.NullBooleanField()


@pytest.mark.parametrize("data", [{}, {"many": ["b", "a"], "one": "2", "maybe": "true"}, {"one": "\r\n<x>"}])
def test_the_inline_select_renders_as_djangos_own(data):
    ours = Choices(data or None)
    djangos = Choices(data or None, renderer=DjangoTemplates())
    for name in ("many", "one", "maybe"):
        assert parse_html(str(ours[name])) == parse_html(str(djangos[name]))
    assert "<optgroup" in str(ours["many"]) and "&lt;b&gt;" in str(ours["many"])
