"""The forms' renderer: Django's TemplatesSetting, with selects, inputs and their options written in Python.

Django draws each widget through the template engine: a select one option at a time (a
loop, an `if` and the attributes of each), a checkbox or a text field through a template
that includes two more. The 600 time zones and the languages of the profile form were
two thirds of that page (68 ms at movement scale), the capacities' forty checkboxes a
good part of the program form, and the filters a tenth of the funder dashboard computed
afresh. Written here, the same HTML, character for character, as the templates they
replace: our select template (templates/django/forms/widgets/select.html, which stays
for anything that includes it) and Django's input templates
(django/forms/widgets/input.html and input_option.html, through the templates below that
only include them). tests/capacity/test_select_widget.py compares them all, and checks
that no template of ours overrides one of Django's written here.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

SELECT = "django/forms/widgets/select.html"
# Django's templates that are `{% include "django/forms/widgets/input.html" %}` and nothing else.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)
# …and those that are `{% include "django/forms/widgets/input_option.html" %}`.
INPUT_OPTIONS = frozenset({"django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html"})


def _shown(value):
    """A label as `{{ label }}` writes it: a date or number localized (a time in the reader's zone), escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _attributes(attrs):
    """What django/forms/widgets/attrs.html writes: ` name="value"`, a bare name for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget):
    """django/forms/widgets/input.html: an input of a widget's template context (type, name, value, attrs)."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attributes(widget['attrs'])}>"
    )


def input_option_html(widget):
    """django/forms/widgets/input_option.html: a checkbox or radio of a choice, in its label when asked."""
    if not widget.get("wrap_label"):
        return input_html(widget)
    identifier = widget["attrs"].get("id")
    label_for = f' for="{conditional_escape(identifier)}"' if identifier else ""
    # input.html ends with a line break, which the renderer strips only at the end of the whole.
    return f"<label{label_for}>{input_html(widget)}\n {_shown(widget['label'])}</label>"


def select_html(widget):
    """The select of a widget's template context (its name, attrs and optgroups), as the template writes it."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, group_choices, _group_index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"{_attributes(option["attrs"])}>'
            f"{_shown(option['label'])}</option>"
            for option in group_choices
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class Renderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        # Every name, value, label and attribute is escaped by the functions above.
        if template_name == SELECT:
            return mark_safe(select_html(context["widget"]))  # noqa: S308
        if template_name in INPUTS:
            return mark_safe(input_html(context["widget"]))  # noqa: S308
        if template_name in INPUT_OPTIONS:
            return mark_safe(input_option_html(context["widget"]))  # noqa: S308
        return super().render(template_name, context, request)
