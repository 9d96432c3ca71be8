"""Geometry of the two small charts, computed here and drawn as inline SVG by the templates.

Why server-side SVG and no chart library: two static charts need only rectangles and
ticks; a library would be the largest file of the page and a build or CDN dependency.
The SVG uses presentation attributes only (no inline ``style``), so the strict
Content-Security-Policy of the UI holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from infrai_mcp.surfaces.ui.data import OUTCOMES, RunsPerHour, Timeline, TimelineRow

CHART_W = 1200
CHART_H = 160
PAD_L = 36
PAD_B = 22
ROW_H = 22
LABEL_W = 210


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    cls: str
    title: str


@dataclass
class Tick:
    x: float
    label_at: datetime  # localised by the page's script (data-hour)


@dataclass
class BarChart:
    width: int
    height: int
    rects: list[Rect]
    ticks: list[Tick]
    y_max: int
    plot_top: float
    plot_bottom: float


def bar_chart(data: RunsPerHour) -> BarChart:
    plot_w = CHART_W - PAD_L - 8
    plot_h = CHART_H - PAD_B - 8
    top = 8.0
    bottom = top + plot_h
    y_max = max(1, data.peak)
    slot = plot_w / 24
    rects: list[Rect] = []
    ticks: list[Tick] = []
    for i, bucket in enumerate(data.buckets):
        x = PAD_L + i * slot + 2
        y = bottom
        for name in OUTCOMES:
            n = bucket.counts[name]
            if not n:
                continue
            h = n / y_max * plot_h
            y -= h
            when = bucket.start.strftime("%H:00 UTC")
            rects.append(Rect(x, y, slot - 4, h, f"bar-{name}", f"{n} {name} · hour from {when}"))
        if i % 3 == 0:
            ticks.append(Tick(PAD_L + i * slot + slot / 2, bucket.start))
    return BarChart(CHART_W, CHART_H, rects, ticks, data.peak, top, bottom)


@dataclass
class TimelineDraw:
    width: int
    height: int
    label_w: int
    rows: list[tuple[float, TimelineRow, list[tuple[float, datetime]]]]  # (y, row, [(x, t)])
    ticks: list[Tick]


def timeline_chart(tl: Timeline, max_rows: int) -> TimelineDraw:
    plot_w = CHART_W - LABEL_W - 10
    span = (tl.end - tl.start).total_seconds()

    def xpos(t: datetime) -> float:
        return LABEL_W + max(0.0, min(1.0, (t - tl.start).total_seconds() / span)) * plot_w

    rows = []
    for i, row in enumerate(tl.rows[:max_rows]):
        y = 6.0 + i * ROW_H
        rows.append((y, row, [(xpos(t), t) for t in row.fires]))
    height = 6 + max(1, len(rows)) * ROW_H + PAD_B
    ticks = []
    first = tl.start.replace(minute=0, second=0, microsecond=0)
    for h in range(0, 25, 3):
        t = first + timedelta(hours=h)
        if tl.start <= t <= tl.end:
            ticks.append(Tick(xpos(t), t))
    return TimelineDraw(CHART_W, height, LABEL_W, rows, ticks)
