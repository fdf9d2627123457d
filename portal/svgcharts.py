"""Server-rendered SVG charts: bars, a funnel, and a monthly this-year-against-last-year chart.

No chart library and no script: each chart is an inline ``<svg role="img">``
with a ``<title>`` and a ``<desc>`` (the numbers in words, for screen readers),
colours from CSS classes (``portal.css``: the CSP forbids ``style=``), crisp edges
and a viewBox so it scales sharply on screen and in print. Bars may link to the
list behind them. Pages show a table of the same numbers beside each chart.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from portal.i18n import separators

_ids = itertools.count(1)


@dataclass
class Bar:
    label: str
    value: Decimal | int | float
    text: str = ""  # the value as shown (formatted); defaults to the number
    href: str = ""


def _num(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(width: int, height: int, title: str, desc: str, css: str) -> tuple[list[str], str]:
    uid = f"chart{next(_ids)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css)}" viewBox="0 0 {width} {height}" '
        # role="group", not "img": an image's content is hidden from screen readers, and the
        # bars are links to their lists; the title and description still name the chart.
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="group" shape-rendering="crispEdges" '
        f'aria-labelledby="{uid}-t {uid}-d">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
    ]
    return parts, uid


def _linked(href: str, inner: str, label: str | None = None) -> str:
    """A link around a bar; ``label`` names a link whose bar shows no text (a screen reader reads
    the text of the others, so their name matches what sighted users see)."""
    if not href:
        return inner
    named = f' aria-label="{escape(label)}"' if label else ""
    return f'<a href="{escape(href)}"{named}>{inner}</a>'


def _describe(bars: list[Bar]) -> str:
    colon, _comma, semicolon = separators()
    return semicolon.join(f"{b.label}{colon}{b.text or b.value}" for b in bars)


def bar_chart(bars: list[Bar], title: str, empty_text: str = "", width: int = 640, row: int = 26) -> Markup:
    """Horizontal bars, one per item, largest value the full width."""
    label_w, value_w, pad = 190, 120, 6
    height = max(1, len(bars)) * row + 2 * pad
    desc = _describe(bars) or empty_text
    parts, _ = _open(width, height, title, desc, "bar-chart")
    top = max((_num(b.value) for b in bars), default=0) or 1
    span = width - label_w - value_w - 2 * pad
    if not bars:
        parts.append(f'<text x="{pad}" y="{row}" class="chart-empty">{escape(empty_text)}</text>')
    for i, bar in enumerate(bars):
        y = pad + i * row
        w = max(0.0, _num(bar.value)) / top * span
        text = bar.text or str(bar.value)
        inner = (f'<text x="{label_w - pad}" y="{y + row * 0.65:.1f}" text-anchor="end" class="chart-label">'
                 f'{escape(_truncate(bar.label, 18))}</text>'
                 f'<rect x="{label_w}" y="{y + 4}" width="{_fmt(w)}" height="{row - 8}" class="bar"></rect>'
                 f'<text x="{label_w + w + pad:.1f}" y="{y + row * 0.65:.1f}" class="chart-value">'
                 f'{escape(text)}</text>')
        parts.append(_linked(bar.href, f"<g>{inner}</g>"))
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_chart(bars: list[Bar], title: str, width: int = 640, row: int = 30) -> Markup:
    """The pipeline: centred bars, one per stage, widths by count."""
    label_w, pad = 150, 6
    height = max(1, len(bars)) * row + 2 * pad
    parts, _ = _open(width, height, title, _describe(bars), "funnel-chart")
    top = max((_num(b.value) for b in bars), default=0) or 1
    span = width - label_w - 2 * pad
    centre = label_w + span / 2
    for i, bar in enumerate(bars):
        y = pad + i * row
        w = max(2.0, _num(bar.value) / top * span) if _num(bar.value) else 0.0
        text = bar.text or str(bar.value)
        inner = (f'<text x="{label_w - pad}" y="{y + row * 0.65:.1f}" text-anchor="end" class="chart-label">'
                 f'{escape(_truncate(bar.label, 14))}</text>'
                 f'<rect x="{_fmt(centre - w / 2)}" y="{y + 3}" width="{_fmt(w)}" height="{row - 6}" '
                 f'class="bar stage-{i}"></rect>'
                 f'<text x="{_fmt(centre)}" y="{y + row * 0.65:.1f}" text-anchor="middle" class="chart-value on-bar">'
                 f'{escape(text)}</text>')
        parts.append(_linked(bar.href, f"<g>{inner}</g>"))
    parts.append("</svg>")
    return Markup("".join(parts))


def monthly_chart(months: list[str], this_year: list, last_year: list, title: str, this_label: str,
                  last_label: str, links: list[str] | None = None, value_text=None,
                  width: int = 720, height: int = 260) -> Markup:
    """Twelve pairs of bars: this year (linked to its list) against last year, with a legend."""
    value_text = value_text or (lambda v: str(v))
    pad_l, pad_r, pad_t, pad_b = 10, 10, 28, 28
    colon, comma, semicolon = separators()
    desc = semicolon.join(f"{m}{colon}{this_label} {value_text(a)}{comma}{last_label} {value_text(b)}"
                          for m, a, b in zip(months, this_year, last_year))
    parts, _ = _open(width, height, title, desc, "monthly-chart")
    top = max([_num(v) for v in list(this_year) + list(last_year)] + [0]) or 1
    plot_h = height - pad_t - pad_b
    slot = (width - pad_l - pad_r) / max(1, len(months))
    bar_w = slot * 0.36
    base = pad_t + plot_h
    parts.append(f'<line x1="{pad_l}" y1="{base}" x2="{width - pad_r}" y2="{base}" class="axis"></line>')
    parts.append(f'<rect x="{pad_l}" y="6" width="12" height="12" class="bar this-year"></rect>'
                 f'<text x="{pad_l + 16}" y="16" class="chart-label">{escape(this_label)}</text>'
                 f'<rect x="{pad_l + 140}" y="6" width="12" height="12" class="bar last-year"></rect>'
                 f'<text x="{pad_l + 156}" y="16" class="chart-label">{escape(last_label)}</text>')
    for i, month in enumerate(months):
        x = pad_l + i * slot + slot * 0.12
        a, b = _num(this_year[i]), _num(last_year[i])
        ha, hb = a / top * plot_h, b / top * plot_h
        last_rect = (f'<rect x="{_fmt(x + bar_w)}" y="{_fmt(base - hb)}" width="{_fmt(bar_w)}" height="{_fmt(hb)}" '
                     f'class="bar last-year"><title>{escape(month)} {escape(last_label)}: '
                     f'{escape(value_text(last_year[i]))}</title></rect>')
        this_rect = (f'<rect x="{_fmt(x)}" y="{_fmt(base - ha)}" width="{_fmt(bar_w)}" height="{_fmt(ha)}" '
                     f'class="bar this-year"><title>{escape(month)} {escape(this_label)}: '
                     f'{escape(value_text(this_year[i]))}</title></rect>')
        href = links[i] if links else ""
        parts.append(_linked(href, this_rect, f"{month} {this_label}: {value_text(this_year[i])}") + last_rect)
        parts.append(f'<text x="{_fmt(x + bar_w)}" y="{height - 10}" text-anchor="middle" class="chart-label">'
                     f'{escape(month)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _truncate(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"
