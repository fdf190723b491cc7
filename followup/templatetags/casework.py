"""Template helpers for the agent's pages: highlighted phrases, a small score trend."""

import re

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reviews.classify.tokens import merge_spans
from surveys.segments import describe_segment_reason

from .. import names
from ..names import FACTOR_NAMES, TEMPLATE_KEY_NAMES

register = template.Library()


def _phrases(explanation) -> set[str]:
    """Every phrase the classifiers stored as the reason for a label, wherever it sits in the explanation."""
    found = set()
    if isinstance(explanation, dict):
        for key, value in explanation.items():
            if key in ("phrases", "matched", "keywords") and isinstance(value, list):
                found.update(str(item) for item in value if isinstance(item, str) and item.strip())
            else:
                found |= _phrases(value)
    elif isinstance(explanation, list):
        for item in explanation:
            found |= _phrases(item)
    return found


@register.filter
def highlight_labels(feedback):
    """The comment, escaped, with the phrases that drove its labels marked.

    Every occurrence of every phrase is found on the raw text and overlapping ones are merged into one mark
    (one label's phrase may overlap another's); each piece is escaped on its own, so a mark never lands
    inside an entity ("amp" in "&amp;")."""
    text = feedback.comment or ""
    spans: list[list[int]] = []
    for phrase in _phrases(feedback.explanation):
        spans += [[m.start(), m.end()] for m in re.finditer(re.escape(phrase), text, re.IGNORECASE)]
    merged = merge_spans(spans)
    pieces, last = [], 0
    for start, end in merged:
        pieces.append(escape(text[last:start]))
        pieces.append(format_html('<mark class="label-phrase">{}</mark>', text[start:end]))
        last = end
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces).replace("\n", "<br>"))  # noqa: S308 - built from escaped pieces only


@register.simple_tag
def score_trend(answers, width=160, height=32):
    """An inline SVG line of normalised scores, oldest to newest."""
    points = [a.score / a.scale_max for a in answers if a.scale_max]
    if len(points) < 2:
        return ""
    step = width / (len(points) - 1)
    coordinates = " ".join(f"{i * step:.1f},{height - 2 - p * (height - 4):.1f}" for i, p in enumerate(points))
    return format_html(
        '<svg class="spark" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<polyline fill="none" stroke="#495057" stroke-width="2" points="{}"/></svg>',
        width,
        height,
        width,
        height,
        "score trend",
        coordinates,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def duration(minutes):
    """A length of time in the unit that reads best: "< 1 min", "12 min", "3.5 h", "4.6 d"."""
    if minutes is None:
        return "—"
    if minutes < 1:
        return _("under 1 min")
    if minutes < 60:
        return _("%(n)s min") % {"n": round(minutes)}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": formats.number_format(round(minutes / 60, 1), 1)}
    return _("%(n)s d") % {"n": formats.number_format(round(minutes / 1440, 1), 1)}


@register.filter
def estimate(measure: dict, key: str):
    """A Kaplan–Meier figure of kpis.time_to_event(): its duration, or "over <longest wait>" when so many
    cases still wait that the figure is not known yet (never a flattering number from the answered few)."""
    if measure[key] is not None:
        return duration(measure[key])
    if measure["longest_minutes"] is None:
        return "—"
    return _("over %(duration)s") % {"duration": duration(measure["longest_minutes"])}


@register.simple_tag
def time_to_event_line(measure: dict, event: str):
    """The one sentence the page and the digest give beside a median: p90, how many got there, how many wait."""
    done = {"response": _("%(n)s answered"), "resolution": _("%(n)s resolved")}[event] % {"n": measure["done"]}
    parts = [_("median %(duration)s") % {"duration": estimate(measure, "median_minutes")}]
    parts.append(_("p90 %(duration)s") % {"duration": estimate(measure, "p90_minutes")})
    parts.append(done)
    parts.append(_("%(n)s still waiting") % {"n": measure["waiting"]})
    if measure["waiting"]:
        parts.append(_("oldest waiting %(duration)s") % {"duration": duration(measure["oldest_waiting_minutes"])})
    return " · ".join(parts)


@register.filter
def template_key_name(key):
    """An e-mail template's key by its name ("promoter_thanks" → "Thanks to a promoter"); a custom key as typed."""
    return TEMPLATE_KEY_NAMES.get(key, key)


@register.filter
def factor_name(factor):
    """A priority factor by its name ("high_value" → "High-value customer")."""
    return FACTOR_NAMES.get(factor, factor)


@register.filter
def language_label(code):
    """A language code by its name in the reader's language ("ja" → 日语 for a Chinese reader); unknown as is."""
    return dict(settings.LANGUAGES).get(code, code) if code else "—"


@register.filter
def outcome_name(outcome):
    """A re-survey outcome by its name ("passive" → "Detractor → passive"); an unknown code as stored."""
    return names.outcome_name(outcome)


@register.filter
def factor_text(factor):
    """A stored priority factor in words ("Score 1 of 10"), in the reader's language."""
    return names.factor_text(factor)


@register.filter
def status_name(code):
    return names.status_name(code) if code else ""


@register.filter
def compensation_name(code):
    return names.compensation_name(code)


@register.filter
def event_outcome(event):
    return names.event_outcome(event)


@register.filter
def escalation_name(target):
    return names.ESCALATION_NAMES.get(target, target)


@register.filter
def attribute_name(key):
    """A contact attribute the product reads by its name; one a customer's import made up as typed."""
    return names.ATTRIBUTE_NAMES.get(key, key)


@register.filter
def tone_name(tone):
    return names.TONE_NAMES.get(tone, tone)


@register.filter
def segment_reason_text(reason):
    """Why a score is in its segment (the stored rule), in the reader's language."""
    return describe_segment_reason(reason)
