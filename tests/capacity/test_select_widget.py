"""Every select, input and choice writes what Django's own writes: our renderer
(capacity/form_renderer.py) and our select template (templates/django/forms/widgets/select.html)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test.html import parse_html
from django.utils import translation
from django.utils.safestring import mark_safe

from capacity.form_renderer import INPUT_OPTIONS, INPUTS, SELECT, Renderer
from capacity.models import Language


class Choices(forms.Form):
    many = forms.MultipleChoiceField(
        choices=[("a", "A <b> & 'c'"), ("Group <i>", [("b", "B"), ("c", 'C "quoted"')]), (mark_safe("<s>"), "Safe")],
        required=False,
        widget=forms.SelectMultiple(
            attrs={"aria-describedby": "help", "disabled": False, "data-x": True, "data-y": '"><script>', "size": 8}
        ),
    )
    one = forms.ChoiceField(choices=[("", "Any"), ("1", "One"), (2, "Two")])
    maybe = forms.NullBooleanField()
    nothing = forms.ChoiceField(choices=[], required=False)


class Languages(forms.Form):
    languages = forms.ModelMultipleChoiceField(queryset=Language.objects.order_by("code"), to_field_name="code")


DATA = [{}, {"many": ["b", "a"], "one": "2", "maybe": "true"}, {"one": "\r\n<x>"}]


@pytest.mark.parametrize("data", DATA)
def test_the_renderer_writes_a_select_as_our_template_does_and_as_djangos_own(data):
    ours = Choices(data or None)
    template = Choices(data or None, renderer=TemplatesSetting())
    djangos = Choices(data or None, renderer=DjangoTemplates())
    assert isinstance(ours.renderer, Renderer)
    for name in ("many", "one", "maybe", "nothing"):
        assert str(ours[name]) == str(template[name])  # character for character
        assert parse_html(str(ours[name])) == parse_html(str(djangos[name]))
    many = str(ours["many"])
    assert '<optgroup label="Group &lt;i&gt;">' in many and "A &lt;b&gt; &amp; &#x27;c&#x27;" in many
    opening = many.split(">", 1)[0]
    assert 'data-y="&quot;&gt;&lt;script&gt;"' in opening and " data-x " in opening and 'size="8"' in opening
    assert "disabled" not in opening
    assert 'value="<s>"' in many  # a value marked safe stays as it is, as the template leaves it


@pytest.mark.django_db
def test_a_model_select_of_languages_is_written_as_djangos_own():
    Language.objects.update_or_create(code="ko", defaults={"autonym": "한국어", "english_name": "Korean"})
    Language.objects.update_or_create(code="ar", defaults={"autonym": "العربية", "english_name": "Arabic"})
    ours = Languages({"languages": ["ko"]})
    djangos = Languages({"languages": ["ko"]}, renderer=DjangoTemplates())
    assert str(ours["languages"]) == str(Languages({"languages": ["ko"]}, renderer=TemplatesSetting())["languages"])
    assert parse_html(str(ours["languages"])) == parse_html(str(djangos["languages"]))
    assert '<option value="ko" selected>한국어</option>' in str(ours["languages"])


HOSTILE = '"><script>alert(1)</script>'


class Inputs(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"data-x": HOSTILE, "required": True, "hidden": False}))
    number = forms.IntegerField()
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    moment = forms.DateTimeField(required=False)
    hour = forms.TimeField(required=False)
    agree = forms.BooleanField(required=False)
    search = forms.CharField(widget=forms.SearchInput, required=False)
    phone = forms.CharField(widget=forms.TelInput, required=False)
    colour = forms.CharField(widget=forms.ColorInput, required=False)
    upload = forms.FileField(required=False)
    boxes = forms.MultipleChoiceField(
        choices=[("a", "A <b>"), ("Group", [("b", HOSTILE)]), (0, "Zero")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    radio = forms.ChoiceField(choices=[("x", "X & Y"), ("y", "Y")], widget=forms.RadioSelect, required=False)


INPUT_DATA = [
    {},
    {"text": HOSTILE, "number": "0", "secret": "a&b", "hidden": "\r\n<x>", "agree": "on", "boxes": ["b", "0"]},
    {"text": "", "number": "-1e400", "day": "2026-11-30", "moment": "2026-11-30 10:00", "radio": "x", "url": "wiki"},
]


@pytest.mark.parametrize("data", INPUT_DATA)
def test_the_renderer_writes_every_input_and_choice_as_djangos_templates_do(data):
    ours = Inputs(data or None)
    template = Inputs(data or None, renderer=TemplatesSetting())
    djangos = Inputs(data or None, renderer=DjangoTemplates())
    for name in Inputs.base_fields:
        assert str(ours[name]) == str(template[name]) == str(djangos[name])
    for name in ("boxes", "radio"):  # a choice on its own, its input alone and in its label, as templates draw them
        for mine, theirs in zip(ours[name], template[name], strict=True):
            assert (str(mine), mine.tag(), mine.tag(wrap_label=True)) == (str(theirs), theirs.tag(), theirs.tag(True))
    text = str(ours["text"])
    assert 'data-x="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in text and " required" in text
    assert "hidden" not in text and "<script>" not in str(ours["boxes"]) + str(ours["hidden"])


INPUT_OPTION = "django/forms/widgets/input_option.html"
ATTRS = "django/forms/widgets/attrs.html"


def test_no_template_of_ours_replaces_one_the_renderer_writes_in_python():
    """The renderer writes these templates' HTML without reading them: a copy of ours would be ignored."""
    from django.template.loader import get_template

    django_widgets = str(Path(forms.__file__).parent / "templates")
    for name in sorted(INPUTS | INPUT_OPTIONS | {"django/forms/widgets/input.html", INPUT_OPTION, ATTRS}):
        assert get_template(name).origin.name.startswith(django_widgets), name
    assert not get_template(SELECT).origin.name.startswith(django_widgets)  # ours: compared above


class Figures(forms.Form):
    amount = forms.ChoiceField(choices=[("1", Decimal("1234.5")), (date(2026, 11, 30), [("2", 2.5)])])
    day = forms.ChoiceField(choices=[("x", date(2026, 11, 30))], widget=forms.RadioSelect)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_labels_that_are_numbers_or_dates_are_localized_as_the_templates_do(language):
    with translation.override(language):
        ours, template = Figures(), Figures(renderer=TemplatesSetting())
        for name in ("amount", "day"):
            assert str(ours[name]) == str(template[name])
        if language == "fr":
            assert "1234,5" in str(ours["amount"]) and "2,5" in str(ours["amount"])
