"""{% portal_layout as layout %}: the parts of base.html the same for every reader in a language (stakeholders.layout).

A tag rather than a context processor: it works in any template context, with or without
a request, and runs only on pages that draw the layout.
"""

from django import template

from stakeholders.layout import layout

register = template.Library()


@register.simple_tag
def portal_layout():
    return layout()
