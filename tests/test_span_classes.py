"""Span classes: every event that starts before a range and reaches into it lies in the window
of its class, whatever its precision and wherever the range starts."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app import models
from app.queries import _span_windows

_DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(2200, 12, 31))


@st.composite
def _events(draw: st.DrawFn) -> tuple[date, date, str]:
    """A period as the loader reads one: a day, month or year, or a start and an end given."""
    precision = draw(st.sampled_from(["day", "month", "year"]))
    first = draw(_DAYS)
    if precision == "year":
        start, end = date(first.year, 1, 1), date(first.year, 12, 31)
    elif precision == "month":
        last = calendar.monthrange(first.year, first.month)[1]
        start, end = first.replace(day=1), first.replace(day=last)
    else:
        start = end = first
    # Explicit bounds may move either end (a month known to have started on the 10th, or a
    # year that ran on for three more).
    start = draw(st.sampled_from([start, first]))
    extra = draw(st.sampled_from([0, 0, 1, 30, 400, 4000]))
    end = max(end, start) + timedelta(days=draw(st.integers(0, extra)))
    return start, min(end, date(9999, 12, 31)), precision


@given(st.lists(_events(), min_size=1, max_size=30), _DAYS)
def test_every_event_reaching_a_range_lies_in_its_class_window(
    events: list[tuple[date, date, str]], date_from: date
) -> None:
    windows = _span_windows(_classes_of(events), date_from)
    for start, end, precision in events:
        if start < date_from <= end:
            span_class = models.span_class_of(start, end, precision)
            assert span_class in windows, (start, end, precision, date_from)
            assert windows[span_class] <= start, (start, end, precision, date_from)


def _classes_of(events: list[tuple[date, date, str]]) -> dict[int, int]:
    summary = models.span_classes_summary(events)
    return {int(c): int(longest) for c, longest in (pair.split(":") for pair in summary.split(","))}


def test_single_periods_known_to_the_month_or_year_need_no_window_from_their_first_day() -> None:
    classes = _classes_of(
        [
            (date(2010, 3, 1), date(2010, 3, 31), "month"),
            (date(2009, 1, 1), date(2009, 12, 31), "year"),
            (date(2010, 2, 20), date(2010, 3, 5), "day"),  # 13 days beyond its first: class 4
        ]
    )
    assert set(classes) == {4, models.MONTH_CLASSES, models.YEAR_CLASSES}
    # No event known to the month reaches April from an earlier month; one known to the year
    # may have started on 1 January.
    assert _span_windows(classes, date(2010, 4, 1)) == {
        4: date(2010, 3, 19),
        models.YEAR_CLASSES: date(2010, 1, 1),
    }
    assert _span_windows(classes, date(2010, 1, 1)) == {4: date(2009, 12, 19)}
    # From the middle of a month, the month's own events may have started before the range.
    assert _span_windows(classes, date(2010, 3, 15))[models.MONTH_CLASSES] == date(2010, 3, 1)
