"""Server-rendered SVG charts: they work offline, need no script and print well.

Numbers are formatted here; every piece of text is escaped before it joins the markup.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

WIDTH, HEIGHT, PAD = 720, 220, 36
COLOURS = {"detractors": "#c0392b", "passives": "#b9770e", "promoters": "#1e8449"}


def _x(index, count):
    return PAD + (WIDTH - 2 * PAD) * (index / max(1, count - 1))


def _y(value, low, high):
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * ((value - low) / ((high - low) or 1))


def _svg(label: str, body: str) -> str:
    return mark_safe(  # noqa: S308 - numbers formatted here, text escaped
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" aria-label="{escape(label)}">{body}</svg>'
    )


@register.simple_tag
def line_chart(points, low, high, links=None, label="score"):
    """The score per period, its 95% band, hollow dots where n is under the minimum, each dot a link."""
    usable = [(i, p) for i, p in enumerate(points) if p["score"] is not None]
    if not usable:
        return ""
    count = len(points)
    top = [(_x(i, count), _y(min(high, p["score"] + (p["margin"] or 0)), low, high)) for i, p in usable]
    bottom = [(_x(i, count), _y(max(low, p["score"] - (p["margin"] or 0)), low, high)) for i, p in reversed(usable)]
    band = " ".join(f"{x:.1f},{y:.1f}" for x, y in top + bottom)
    line = " ".join(f"{_x(i, count):.1f},{_y(p['score'], low, high):.1f}" for i, p in usable)
    parts = [
        f'<text x="4" y="{_y(high, low, high) + 4:.1f}" font-size="10">{high}</text>',
        f'<text x="4" y="{_y(low, low, high):.1f}" font-size="10">{low}</text>',
    ]
    if low < 0 < high:
        zero = _y(0, low, high)
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{zero:.1f}" y2="{zero:.1f}" '
            'stroke="#adb5bd" stroke-dasharray="4"/>'
        )
    parts.append(f'<polygon points="{band}" fill="#0d6efd" fill-opacity="0.12"/>')
    parts.append(f'<polyline points="{line}" fill="none" stroke="#0d6efd" stroke-width="2"/>')
    for i, p in usable:
        fill = "#fff" if p["low_n"] else "#212529"
        note = ", too few answers" if p["low_n"] else ""
        title = escape(f"{p['period']:%Y-%m-%d}: {p['score']:.1f} (n={p['n']}{note})")
        href = escape(links[i]) if links else "#"
        parts.append(
            f'<a href="{href}"><circle cx="{_x(i, count):.1f}" cy="{_y(p["score"], low, high):.1f}" r="4" '
            f'fill="{fill}" stroke="#212529"><title>{title}</title></circle></a>'
        )
    step = count // 12 + 1
    for i, p in enumerate(points):
        if i % step == 0:
            parts.append(
                f'<text x="{_x(i, count):.1f}" y="{HEIGHT - 12}" font-size="10" text-anchor="middle">'
                f"{p['period']:%m-%d}</text>"
            )
    return _svg(label, "".join(parts))


@register.simple_tag
def stacked_shares(points):
    """Detractor, passive and promoter shares per period, stacked to 100%."""
    if not points:
        return ""
    bar = (WIDTH - 2 * PAD) / len(points)
    parts = []
    for i, point in enumerate(points):
        top = PAD
        for key in ("promoters", "passives", "detractors"):
            height = (HEIGHT - 2 * PAD) * point["shares"][key] / 100
            parts.append(
                f'<rect x="{PAD + i * bar + 1:.1f}" y="{top:.1f}" width="{max(1, bar - 2):.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[key]}"><title>{point["period"]:%Y-%m-%d} {key}: '
                f"{point['shares'][key]:.0f}%</title></rect>"
            )
            top += height
    return _svg("segment shares", "".join(parts))


@register.simple_tag
def distribution_bars(distribution):
    """How many answers gave each score."""
    if not distribution:
        return ""
    top = max(count for _, count in distribution) or 1
    bar = (WIDTH - 2 * PAD) / len(distribution)
    parts = []
    for i, (score, count) in enumerate(distribution):
        height = (HEIGHT - 2 * PAD) * count / top
        x = PAD + i * bar
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{bar - 4:.1f}" height="{height:.1f}" '
            f'fill="#495057"><title>{score}: {count}</title></rect>'
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 14}" font-size="11" text-anchor="middle">{score}</text>'
        )
    return _svg("score distribution", "".join(parts))


@register.filter
def get_value(mapping, key):
    return mapping.get(key, "") if mapping else ""
