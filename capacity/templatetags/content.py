"""Template access to translated content: {% with title=program|shown:"title" %}."""

from django import template

register = template.Library()


@register.filter
def shown(instance, field):
    """The field as this reader sees it (capacity.models.Shown: text, language, direction)."""
    return instance.shown(field)
