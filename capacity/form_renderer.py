"""The forms' renderer: Django's TemplatesSetting, with every select's options written in Python.

A select draws its options through the template engine one by one (a loop, an `if` and
the attributes of each): the 600 time zones and the languages of the profile form were
two thirds of that page (68 ms at movement scale), and the filters of the funder dashboard
a tenth of it computed afresh. Written here, the same HTML as our select template
(templates/django/forms/widgets/select.html, which stays for anything that includes it)
and so as Django's own: tests/capacity/test_select_widget.py compares all three.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"


def _attributes(attrs):
    """What django/forms/widgets/attrs.html writes: ` name="value"`, a bare name for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget):
    """The select of a widget's template context (its name, attrs and optgroups), as the template writes it."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, group_choices, _group_index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"{_attributes(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>"
            for option in group_choices
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every name, value and label escaped above


class Renderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            return select_html(context["widget"])
        return super().render(template_name, context, request)
