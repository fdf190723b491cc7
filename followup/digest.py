"""The weekly digest: last week's score, its change, n, response rate and loop KPIs, to every manager."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from feedback_platform.emails import render_email
from feedback_platform.models import language_of
from reviews import reports, rollups
from surveys.models import Answer, Invitation, InvitationStatus

from . import outbox
from .kpis import loop_figures
from .models import Case


def week_figures(week_start) -> dict:
    """The digest's numbers for the week starting on `week_start` (a Monday)."""
    week_end = week_start + timedelta(days=6)
    rollups.refresh()
    report = reports.ReportFilter(kind="nps", start=week_start - timedelta(days=7), end=week_end, interval="week")
    points = reports.trend(report)
    this_week = reports.summary(reports.ReportFilter(kind="nps", start=week_start, end=week_end))
    sent = Invitation.objects.filter(
        status=InvitationStatus.SENT, sent_at__date__gte=week_start, sent_at__date__lte=week_end
    ).count()
    answered = Answer.objects.filter(
        invitation__sent_at__date__gte=week_start, invitation__sent_at__date__lte=week_end
    ).count()
    return {
        "week_start": week_start,
        "week_end": week_end,
        "nps": this_week,
        "change": reports.change(points),
        "sent": sent,
        "response_rate": 100 * answered / sent if sent else None,
        "top_topics": reports.top_topics(reports.ReportFilter(kind="nps", start=week_start, end=week_end), "detractor"),
        "loop": loop_figures(Case.objects.filter(opened_at__date__gte=week_start, opened_at__date__lte=week_end)),
    }


@transaction.atomic
def send_weekly_digest(*, today=None) -> int:
    """Queue last week's digest for every active manager, in their language; once per week and manager."""
    today = today or timezone.localdate()
    week_start = today - timedelta(days=today.weekday() + 7)
    figures = week_figures(week_start)
    managers = get_user_model().objects.filter(groups__name="Manager", is_active=True).exclude(email="")
    for manager in managers:
        language = language_of(manager)
        email = render_email("weekly_digest", {**figures, "manager": manager}, language=language)
        outbox.queue_email(
            key=f"digest:{week_start.isoformat()}:{manager.pk}", to=manager.email, email=email, language=language
        )
    return managers.count()
