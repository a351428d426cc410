"""Every select writes what Django's own writes: our renderer (capacity/form_renderer.py) and
our select template (templates/django/forms/widgets/select.html)."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test.html import parse_html
from django.utils.safestring import mark_safe

from capacity.form_renderer import Renderer
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
