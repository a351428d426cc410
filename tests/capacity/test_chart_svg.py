"""The charts drawn by capacity.charts.svg are the markup the template include drew before it.

The template is kept here as the reference (it resolved nine variables per bar, a third of
the dashboard's rendering); both are rendered from the same geometry, in English and in
Arabic (right to left, where numbers must stay unlocalized), with hostile labels.
"""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.charts import bar_chart, svg

REFERENCE = Template(
    """{% load l10n %}
{% if chart and not chart.is_empty %}
<svg class="bar-chart" role="img" aria-labelledby="{{ chart_id }}-title" viewBox="0 0 {{ chart.width|unlocalize }} {{ chart.height|unlocalize }}" direction="ltr" preserveAspectRatio="xMinYMin meet" focusable="false">
  <title id="{{ chart_id }}-title">{{ chart.title }}</title>
  {% for item in chart.legend %}
  <rect class="bar series-{{ item.series }}" x="{{ item.x|unlocalize }}" y="{{ item.y|unlocalize }}" width="12" height="12"/>
  <text class="legend" x="{{ item.text_x|unlocalize }}" y="{{ item.text_y|unlocalize }}" text-anchor="{{ chart.value_anchor }}">{{ item.name }}</text>
  {% endfor %}
  {% for category in chart.categories %}
  <g>
    <text class="label" x="{{ category.label_x|unlocalize }}" y="{{ category.label_y|unlocalize }}" text-anchor="{{ chart.label_anchor }}">{{ category.label }}</text>
    {% for bar in category.bars %}
    <rect class="bar series-{{ bar.series }}" x="{{ bar.x|unlocalize }}" y="{{ bar.y|unlocalize }}" width="{{ bar.width|unlocalize }}" height="{{ bar.height|unlocalize }}"/>
    <text class="figure" x="{{ bar.text_x|unlocalize }}" y="{{ bar.text_y|unlocalize }}" text-anchor="{{ chart.value_anchor }}">{{ bar.text }}</text>
    {% endfor %}
  </g>
  {% endfor %}
</svg>
{% endif %}
"""
)


def _tags(html):
    """The markup without the whitespace between its tags (where the template and format_html differ)."""
    return re.sub(r">\s+<", "><", str(html)).strip()


def _both(chart, chart_id="regions"):
    return _tags(svg(chart, chart_id)), _tags(REFERENCE.render(Context({"chart": chart, "chart_id": chart_id})))


HOSTILE = [
    '<script>alert("x")</script>',
    "A & B",
    "'quoted'",
    "ملخص",
    "한국어 라벨이 아주 길어서 줄여야 하는 경우입니다",
]


@pytest.mark.parametrize("language", ["en", "ar", "ko", "fr"])
@pytest.mark.parametrize("rtl", [False, True])
def test_the_svg_is_the_markup_the_template_drew(language, rtl):
    with translation.override(language):
        chart = bar_chart(
            title='Allocated <b>"USD"</b>',
            labels=HOSTILE,
            series=[[Decimal("1234567.89"), 12.5, None, 0, -3], [1, 2, 3, 4, 5]],
            texts=[["1,234,567.89", "12.5", "–", "0", "-3"], ["<1>", "2", "3", "4", "5 & more"]],
            series_names=["Allocated <em>", "Spent & co"],
            rtl=rtl,
        )
        ours, reference = _both(chart, chart_id='id"x')
    assert ours == reference
    assert "<script>" not in ours and "&lt;script&gt;" in ours
    assert "١" not in ours  # coordinates are never written in Arabic-Indic digits


def test_no_chart_and_an_empty_chart_draw_nothing():
    assert svg(None, "x") == "" and _tags(REFERENCE.render(Context({"chart": None, "chart_id": "x"}))) == ""
    empty = bar_chart(title="t", labels=[], series=[[]])
    assert _both(empty) == ("", "")


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.text(max_size=40), min_size=1, max_size=6),
    values=st.lists(
        st.none() | st.floats(-1e9, 1e12, allow_nan=False) | st.integers(-10, 10**9), min_size=6, max_size=6
    ),
    rtl=st.booleans(),
)
def test_any_labels_and_values_draw_the_same_markup(labels, values, rtl):
    chart = bar_chart(title="t", labels=labels, series=[values[: len(labels)]], rtl=rtl)
    ours, reference = _both(chart)
    assert ours == reference
