"""{% bar_chart chart chart_id %}: a chart of capacity.charts drawn as inline SVG."""

from django import template

from capacity import charts

register = template.Library()


@register.simple_tag
def bar_chart(chart, chart_id):
    """The SVG of `chart` (nothing for no chart or an empty one); `chart_id` names its title for aria-labelledby."""
    return charts.svg(chart, chart_id)
