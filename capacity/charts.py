"""Horizontal bar charts drawn on the server as SVG: no JavaScript, no library, nothing to download.

`bar_chart` turns labelled figures (one or more series) into the geometry that `svg`
draws (in a template: `{% load charts %}{% bar_chart chart "an-id" %}`). The chart is a picture of a table the page
shows beside it (role="img" with a title), so it carries no data a screen reader or a
copy-paste would miss. Right-to-left languages get the mirror image: bars grow from
the inline start, as the text does.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe

# The drawing's own units (the SVG scales to the width of its box through CSS).
WIDTH = 600
LABEL_SHARE = 0.38  # of the width, for the category labels
CHARACTER_WIDTH = 7  # about, at the 12px the stylesheet sets: room for the figures after the bars
BAR_HEIGHT = 18
BAR_GAP = 4  # between the bars of one category
ROW_GAP = 10  # between categories
PADDING = 6
LEGEND_HEIGHT = 22
LABEL_CHARACTERS = 32  # longer labels are shortened with an ellipsis (the table has them whole)


@dataclass(frozen=True)
class Bar:
    series: int
    value: float
    text: str  # the figure as the page shows it
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Category:
    label: str
    full_label: str
    label_x: float
    label_y: float
    bars: list


@dataclass(frozen=True)
class LegendItem:
    series: int
    name: str
    x: float
    y: float
    text_x: float
    text_y: float


@dataclass
class BarChart:
    """Everything the template needs: the box, the labels, the bars and an optional legend."""

    title: str
    width: int
    height: int
    value_anchor: str  # text-anchor of the figures and the legend (the SVG is drawn with direction="ltr")
    label_anchor: str  # text-anchor of the category labels, which end where the bars start
    categories: list = field(default_factory=list)
    legend: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.categories


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def bar_chart(*, title, labels, series, texts=None, series_names=None, rtl=False) -> BarChart:
    """A chart of `labels` (one per category) against each list in `series` (one value per label).

    `texts` gives, per series, the figure written after each bar (defaults to the
    value); `series_names` names the series in a legend when there are several.
    Negative and missing values draw no bar. Scales to the largest value of all series.
    """
    labels = [str(label) for label in labels]
    series = [list(values) for values in series]
    if any(len(values) != len(labels) for values in series):
        raise ValueError("Each series needs one value per label.")
    texts = texts or [[("" if value is None else str(value)) for value in values] for values in series]
    largest = max((_number(value) for values in series for value in values), default=0.0)
    label_width = WIDTH * LABEL_SHARE
    value_room = 8 + CHARACTER_WIDTH * max((len(text) for row in texts for text in row), default=0)
    plot_width = max(WIDTH - label_width - value_room - 2 * PADDING, WIDTH * 0.2)
    with_legend = len(series) > 1 and series_names
    top = PADDING + (LEGEND_HEIGHT if with_legend else 0)
    row_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP

    def x_of(offset, length=0.0):
        """A point `offset` along the inline axis, as an SVG x (mirrored for right-to-left)."""
        return WIDTH - offset - length if rtl else offset

    categories = []
    for index, label in enumerate(labels):
        row_top = top + index * (row_height + ROW_GAP)
        bars = []
        for number, values in enumerate(series):
            value = _number(values[index])
            length = plot_width * value / largest if largest > 0 and value > 0 else 0.0
            start = PADDING + label_width
            y = row_top + number * (BAR_HEIGHT + BAR_GAP)
            bars.append(
                Bar(
                    series=number,
                    value=value,
                    text=texts[number][index],
                    x=round(x_of(start, length), 1),
                    y=y,
                    width=round(length, 1),
                    height=BAR_HEIGHT,
                    text_x=round(x_of(start + length + 4), 1),
                    text_y=y + BAR_HEIGHT * 0.7,
                )
            )
        categories.append(
            Category(
                label=_shorten(label),
                full_label=label,
                label_x=round(x_of(PADDING + label_width - 6), 1),
                label_y=row_top + row_height / 2 + 4,
                bars=bars,
            )
        )
    legend = []
    if with_legend:
        offset = PADDING
        for number, name in enumerate(series_names):
            legend.append(
                LegendItem(
                    series=number,
                    name=str(name),
                    x=round(x_of(offset, 12), 1),
                    y=PADDING + 2,
                    text_x=round(x_of(offset + 16), 1),
                    text_y=PADDING + 12,
                )
            )
            offset += 16 + 8 * len(str(name)) + 16
    height = top + len(labels) * (row_height + ROW_GAP) - (ROW_GAP if labels else 0) + PADDING
    return BarChart(
        title=str(title),
        width=WIDTH,
        height=max(int(height), 2 * PADDING),
        value_anchor="end" if rtl else "start",
        label_anchor="start" if rtl else "end",
        categories=categories,
        legend=legend,
    )


def _coordinate(value) -> str:
    """A number of the drawing as the SVG needs it: never localized (an Arabic page keeps 12.5, not ١٢٫٥)."""
    return str(formats.localize(value, use_l10n=False))


def svg(chart: BarChart | None, chart_id) -> str:
    """The chart drawn as inline SVG (the same markup the template include drew), or "" for no chart.

    Built with format_html rather than a template: a dashboard draws nine charts of up to a
    hundred bars, and the template engine resolved nine variables per bar (a third of the
    figures' rendering). Every text is escaped; every number is written unlocalized.
    """
    if not chart or chart.is_empty:
        return ""
    c = _coordinate
    parts = [
        format_html(
            '\n<svg class="bar-chart" role="img" aria-labelledby="{}-title" viewBox="0 0 {} {}" direction="ltr" '
            'preserveAspectRatio="xMinYMin meet" focusable="false">\n  <title id="{}-title">{}</title>\n',
            chart_id,
            c(chart.width),
            c(chart.height),
            chart_id,
            chart.title,
        )
    ]
    for item in chart.legend:
        parts.append(
            format_html(
                '  <rect class="bar series-{}" x="{}" y="{}" width="12" height="12"/>\n'
                '  <text class="legend" x="{}" y="{}" text-anchor="{}">{}</text>\n',
                item.series,
                c(item.x),
                c(item.y),
                c(item.text_x),
                c(item.text_y),
                chart.value_anchor,
                item.name,
            )
        )
    for category in chart.categories:
        parts.append(
            format_html(
                '  <g>\n    <text class="label" x="{}" y="{}" text-anchor="{}">{}</text>\n',
                c(category.label_x),
                c(category.label_y),
                chart.label_anchor,
                category.label,
            )
        )
        for bar in category.bars:
            parts.append(
                format_html(
                    '    <rect class="bar series-{}" x="{}" y="{}" width="{}" height="{}"/>\n'
                    '    <text class="figure" x="{}" y="{}" text-anchor="{}">{}</text>\n',
                    bar.series,
                    c(bar.x),
                    c(bar.y),
                    c(bar.width),
                    c(bar.height),
                    c(bar.text_x),
                    c(bar.text_y),
                    chart.value_anchor,
                    bar.text,
                )
            )
        parts.append("  </g>\n")
    parts.append("</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every part above is format_html's, its values escaped
