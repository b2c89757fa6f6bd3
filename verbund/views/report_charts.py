"""Charts of the public report (R-J5), drawn on the server as SVG with pygal.

Library: pygal 3.1.3 (LGPL-3.0, maintained by Kozea, pinned in requirements.txt). Chosen over
chart.js because it draws on the server: the report page needs no JavaScript at all, which
fits the strict CSP (no inline scripts, no CDN) without a second build chain (npm) for one
page, and the SVG it writes already carries a ``<title>`` and per-value ``<desc>``. Our own
drawing code was ruled out: pygal is a well-kept library for exactly this.

Each chart is its own response (``/bericht/diagramm/<name>.svg``) shown with ``<img>`` — a
browser runs no script in an image, and the one inline script pygal writes (its tooltip
configuration) is removed here anyway. pygal styles its SVG with an inline ``<style>``
element, so the chart responses alone get a CSP allowing inline styles and nothing else
(``default-src 'none'``); the page keeps the site's policy. Accessibility: the page gives
every chart an ``alt`` text, a caption and the same figures as a data table next to it
(``aria-describedby``).
"""

from __future__ import annotations

import re
from typing import Any

import pygal  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from pygal.style import Style  # type: ignore[import-untyped]

# Colours of the site (verbund.css: --brand, --accent, --muted); contrast >= 3:1 on white.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#5a6470",
    colors=("#1d3a5f", "#b35900", "#5a6470"),
    font_family="system-ui, sans-serif",
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
    value_colors=("#1b1f24", "#1b1f24"),
)
CHART_NAMES = ("stock", "use")
_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>", re.DOTALL)


def chart_rows(name: str, files: dict[str, dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Return the chart's rows: a label and one value per file (ATD, GWS).

    The page's data table shows the same rows, so chart and table never disagree.
    """
    codes = list(files)

    def row(label: str, *path: str) -> tuple[str, list[Any]]:
        values = []
        for code in codes:
            value: Any = files[code]
            for part in path:
                value = value[part]
            values.append(value)
        return label, values

    if name == "stock":
        return [
            row(_("stored openly"), "records", "open"),
            row(_("with restricted access"), "records", "restricted"),
            row(_("stored covertly"), "records", "covert"),
        ]
    return [
        row(_("searches"), "searches"),
        row(_("access requests granted"), "access_requests", "granted"),
        row(_("access requests refused"), "access_requests", "refused"),
        row(_("emergency accesses"), "emergency_accesses"),
        row(_("consents refused"), "consents_refused"),
        row(_("deletions"), "deletions"),
        row(_("blocks"), "blocks"),
        row(_("subject requests received"), "subject_requests", "received"),
    ]


def chart_title(name: str) -> str:
    """Return the chart's title in the active language."""
    if name == "stock":
        return _("Records stored at the end of the period, by storage mode")
    return _("Use within the period")


def _ticks(highest: int) -> list[int]:
    """Return whole-number axis labels from 0 past ``highest`` (at most about 10)."""
    step = 1
    while highest / step > 10:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if highest / step <= 10:
                break
    return list(range(0, highest + step, step)) if highest else [0, 1]


def chart_svg(name: str, files: dict[str, dict[str, Any]]) -> bytes:
    """Return the chart as an SVG document (bars per file)."""
    rows = chart_rows(name, files)
    kind = pygal.Bar if name == "stock" else pygal.HorizontalBar
    chart = kind(
        title=chart_title(name),
        style=STYLE,
        js=[],
        width=760,
        height=420 if name == "stock" else 520,
        explicit_size=True,
        print_values=True,
        print_zeroes=False,
        print_values_position="top",
        legend_at_bottom=True,
        show_y_guides=True,
        min_scale=1,
        truncate_label=-1,
        value_formatter=lambda v: "" if v is None else str(v),
    )
    chart.x_labels = [label for label, _values in rows]
    # Counts: whole-number axis labels (pygal's own would read "200.0").
    chart.y_labels = _ticks(max((int(v) for _label, values in rows for v in values), default=0))
    for position, code in enumerate(files):
        chart.add(code, [values[position] for _label, values in rows])
    return _SCRIPT.sub(b"", chart.render())
