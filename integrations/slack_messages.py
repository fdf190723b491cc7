"""The Slack messages: Block Kit (https://api.slack.com/block-kit) in the team's language, written at each attempt
from the case as it then is (a delivery row stores no message; see `SlackDelivery`).

Every message has a plain `text` (what notifications and old clients show) and `blocks`: a header, the facts as
section fields, the customer's words as a quote, and a button to the case. Text we did not write (the comment,
a reply, a team's or a person's name) goes only into mrkdwn, escaped as Slack asks (& < > as &amp; &lt; &gt;), so
a customer's `<!channel>` or `<https://…|click>` is shown as typed and never pings or links; headers and buttons
(plain_text, shown as written) hold only our own words and numbers.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from feedback_platform.erasure import display_text

from .models import SlackDelivery, SlackMessageKind

#: Slack's limits: a header's text, a section's text, a field's text (Block Kit reference).
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
#: How much of the customer's words a message quotes: the comment of a new case, a reply, the comment of a breach.
COMMENT_CHARS = 1500
REPLY_CHARS = 500
BREACH_COMMENT_CHARS = 300

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Text for mrkdwn, shown as typed: Slack's three control characters as entities (and nothing else)."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def quote(text: str, limit: int) -> str:
    """Someone's words as a Slack quote ("> " before each line), escaped, and cut to at most `limit` characters
    of the result (never inside an entity) with an ellipsis."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    pieces = [piece for number, line in enumerate(lines) for piece in ["\n> " if number else "> ", *map(escape, line)]]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    used = 0
    for piece in pieces:
        if used + len(piece) > limit - 1:  # room for the ellipsis
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept).rstrip() + "…"


def plain(text: str, limit: int = HEADER_CHARS) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_CHARS) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:limit]}


def field(label: str, value: str) -> dict[str, Any]:
    """One fact of a section's fields: its name in bold over its value (both already escaped where needed)."""
    return mrkdwn(f"*{label}*\n{value}", FIELD_CHARS)


def case_url(case) -> str:
    return settings.SITE_URL + reverse("followup:case", args=[case.pk])


def button(label: str, url: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [{"type": "button", "text": plain(label, 75), "url": url, "action_id": "open_case"}],
    }


def score_text(feedback) -> str:
    """ "NPS 2/10", "CSAT 2/5": the method and the score on its scale."""
    return f"{feedback.get_kind_display()} {feedback.score}/{feedback.scale_max}"


def owner_text(case) -> str:
    owner = case.owner
    if owner is None:
        return _("Unassigned")
    return escape(owner.get_full_name().strip() or owner.get_username())


def message(row: SlackDelivery) -> dict[str, Any]:
    """The JSON body POSTed to the channel's incoming webhook, in the team's language."""
    with translation.override(row.channel.team.channel_language):
        if row.kind == SlackMessageKind.TEST:
            return _test_message(row)
        return {
            SlackMessageKind.NEW_CASE: _new_case,
            SlackMessageKind.SLA_BREACH: _sla_breach,
            SlackMessageKind.CUSTOMER_REPLY: _customer_reply,
        }[SlackMessageKind(row.kind)](row)


def _body(title: str, summary: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"text": f"{escape(title)} · {summary}", "blocks": [{"type": "header", "text": plain(title)}, *blocks]}


def _comment_block(text: str, limit: int) -> dict[str, Any]:
    text = display_text(text or "")
    words = quote(text, limit) if text.strip() else "_" + _("No comment.") + "_"
    return {"type": "section", "text": mrkdwn(words)}


def _new_case(row: SlackDelivery) -> dict[str, Any]:
    case = row.case
    assert case is not None  # withheld otherwise (SlackDelivery.withhold_reasons)
    priority = row.facts.get("priority", case.priority)
    title = _("New detractor case #%(case)s · priority %(priority)s") % {"case": case.pk, "priority": priority}
    score = score_text(case.feedback)
    fields = [
        field(_("Score"), score),
        field(_("Priority"), str(priority)),
        field(_("Team"), escape(str(case.team or "—"))),
        field(_("Owner"), owner_text(case)),
    ]
    url = case_url(case)
    blocks = [
        {"type": "section", "fields": fields},
        _comment_block(case.feedback.comment, COMMENT_CHARS),
        button(_("Open the case"), url),
    ]
    return _body(title, f"{score} · {url}", blocks)


def _sla_breach(row: SlackDelivery) -> dict[str, Any]:
    case = row.case
    assert case is not None
    if row.facts.get("target") == "resolution":
        title = _("Case #%(case)s missed its resolution target") % {"case": case.pk}
    else:
        title = _("Case #%(case)s missed its first-response target") % {"case": case.pk}
    now = timezone.now()
    overdue = timesince(now - timedelta(seconds=max(0, int(row.facts.get("overdue_seconds", 0)))), now, depth=2)
    priority = row.facts.get("priority", case.priority)
    assigned = owner_text(case)
    fields = [
        field(_("Overdue by"), overdue),
        field(_("Owner"), assigned),
        field(_("Priority"), str(priority)),
        field(_("Score"), score_text(case.feedback)),
    ]
    url = case_url(case)
    blocks = [
        {"type": "section", "fields": fields},
        _comment_block(case.feedback.comment, BREACH_COMMENT_CHARS),
        button(_("Open the case"), url),
    ]
    summary = _("overdue by %(duration)s, assigned to %(owner)s") % {"duration": overdue, "owner": assigned}
    return _body(title, f"{summary} · {url}", blocks)


def _customer_reply(row: SlackDelivery) -> dict[str, Any]:
    from followup.models import CaseEvent

    case = row.case
    assert case is not None
    title = _("The customer replied to case #%(case)s") % {"case": case.pk}
    event = CaseEvent.objects.filter(pk=row.facts.get("event"), case=case).first()
    fields = [
        field(_("Priority"), str(case.priority)),
        field(_("Score"), score_text(case.feedback)),
        field(_("Owner"), owner_text(case)),
        field(_("Status"), escape(str(case.get_status_display()))),
    ]
    url = case_url(case)
    blocks = [
        _comment_block(event.body if event else "", REPLY_CHARS),
        {"type": "section", "fields": fields},
        button(_("Open the case"), url),
    ]
    return _body(title, url, blocks)


def _test_message(row: SlackDelivery) -> dict[str, Any]:
    channel = row.channel
    title = _("Test message from Northwind Care")
    names = ", ".join(escape(name) for name in channel.notification_names) or "—"
    words = _("Notifications for the team %(team)s will be posted to this channel: %(names)s.") % {
        "team": f"*{escape(channel.team.name)}*",
        "names": names,
    }
    url = settings.SITE_URL + reverse("integrations:slack_channel", args=[channel.team_id])
    blocks = [
        {"type": "section", "text": mrkdwn(words)},
        {"type": "context", "elements": [mrkdwn(escape(_("Sent by an admin from the Slack settings page.")))]},
    ]
    return {"text": f"{escape(title)} · {url}", "blocks": [{"type": "header", "text": plain(title)}, *blocks]}
