"""Self-assessment history drawn on the server as SVG line charts: no JavaScript, nothing to download.

One small chart per capacity (small multiples on a shared time axis), rating 1–5 on the
block axis: ten capacities in one chart would be a tangle of ten lines told apart only
by colour. Each chart is a picture of the data table the page shows beside it
(role="img" with a title and a description that reads out the ratings). Right-to-left
languages get the mirror image: time runs from the inline start, as the text does, and
the rating scale stands at the inline start.
"""

from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .assessment import RATINGS

WIDTH = 320
HEIGHT = 150
PADDING = 8
AXIS_LABEL_WIDTH = 18  # room for the digits 1–5
DATE_LABEL_HEIGHT = 18  # below the plot, for the first and last dates
POINT_RADIUS = 3.5


@dataclass(frozen=True)
class GridLine:
    rating: int
    y: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    rating: int
    date: str


@dataclass(frozen=True)
class DateLabel:
    text: str
    x: float
    y: float
    anchor: str


@dataclass
class LineChart:
    """Everything the template needs to draw one capacity's ratings over time."""

    capacity: str  # the capacity's name, shown under the chart (the title says it to screen readers)
    title: str
    description: str
    width: int
    height: int
    plot_start: float  # x of the plot's left edge and right edge (the grid lines' ends)
    plot_end: float
    label_anchor: str  # text-anchor of the 1–5 labels (the SVG is drawn with direction="ltr")
    grid: list = field(default_factory=list)
    points: list = field(default_factory=list)
    dates: list = field(default_factory=list)

    @property
    def polyline(self):
        return " ".join(f"{point.x},{point.y}" for point in self.points)


def _date(moment, rtl=False):
    text = formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")
    # The drawing is laid out left to right; a right-to-left language's date (Arabic's
    # carries right-to-left marks) is isolated in its own direction, or it reads scrambled.
    return f"\u2067{text}\u2069" if rtl else text


def rating_charts(*, history, rtl=False) -> list:
    """One LineChart per capacity rated in `history` (evaluation.assessment.History), on a shared time axis."""
    if history.is_empty:
        return []
    first, last = history.rounds[0].assessed_at, history.rounds[-1].assessed_at
    span = (last - first).total_seconds()
    plot_left = PADDING + AXIS_LABEL_WIDTH
    plot_right = WIDTH - PADDING - POINT_RADIUS
    if rtl:
        plot_left, plot_right = PADDING + POINT_RADIUS, WIDTH - PADDING - AXIS_LABEL_WIDTH
    plot_top = PADDING + POINT_RADIUS
    plot_bottom = HEIGHT - PADDING - DATE_LABEL_HEIGHT
    plot_width = plot_right - plot_left
    step = (plot_bottom - plot_top) / (len(RATINGS) - 1)

    def x_of(moment):
        share = (moment - first).total_seconds() / span if span > 0 else 0.5
        offset = plot_width * share
        return round(plot_right - offset if rtl else plot_left + offset, 1)

    def y_of(rating):
        return round(plot_bottom - (rating - RATINGS[0]) * step, 1)

    label_x = round(plot_right + 6 if rtl else plot_left - 6, 1)
    grid = [GridLine(rating=rating, y=y_of(rating), label_x=label_x, label_y=y_of(rating) + 4) for rating in RATINGS]
    date_x_start, date_x_end = (plot_right, plot_left) if rtl else (plot_left, plot_right)
    start_anchor, end_anchor = ("end", "start") if rtl else ("start", "end")
    dates = [DateLabel(text=_date(first, rtl), x=round(date_x_start, 1), y=HEIGHT - PADDING, anchor=start_anchor)]
    if span > 0 and _date(last, rtl) != dates[0].text:
        dates.append(DateLabel(text=_date(last, rtl), x=round(date_x_end, 1), y=HEIGHT - PADDING, anchor=end_anchor))
    charts = []
    for series in history.series:
        points = [
            Point(x=x_of(moment), y=y_of(rating), rating=rating, date=_date(moment)) for moment, rating in series.points
        ]
        readings = "; ".join(
            _("%(rating)s on %(date)s") % {"rating": point.rating, "date": point.date} for point in points
        )
        charts.append(
            LineChart(
                capacity=series.category.name,
                title=_("%(capacity)s: self-rating over time, from 1 to 5") % {"capacity": series.category.name},
                description=readings,
                width=WIDTH,
                height=HEIGHT,
                plot_start=round(min(plot_left, plot_right), 1),
                plot_end=round(max(plot_left, plot_right), 1),
                label_anchor="start" if rtl else "end",
                grid=grid,
                points=points,
                dates=dates,
            )
        )
    return charts
