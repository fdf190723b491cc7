"""The manager's home: "how are we doing" at a glance, every tile a figure of the report it links to.

Nothing is computed here: each tile takes its figure from the function its report uses (reviews.reports for the
scores, followup.kpis.loop_report for the loop, the queue's own filters for the open cases), over the same period,
and links to that report with the same filters, so the home and the report always show the same number
(tests/followup/test_home.py compares them page by page).
"""

from urllib.parse import urlencode

from django.urls import reverse

from feedback_platform.roles import VIEW_ALL_CASES
from reviews import reports, rollups
from reviews.models import Segment

from .kpis import loop_report
from .models import Case

# the only report filters the home passes on: the loop report has no survey or dimension filters, and one
# period for every tile is what lets a manager compare them
HOME_PARAMETERS = ("from", "to", "interval")


def home_filter(params) -> reports.ReportFilter:
    """The home's period (the reports' defaults, or ?from=&to=&interval=); ValidationError names a bad one."""
    return reports.parse_filter({name: params[name] for name in HOME_PARAMETERS if params.get(name)})


def score_tiles(period: reports.ReportFilter) -> list[dict]:
    """One tile per survey kind answered in the period: its headline with interval and the change on the period
    before, exactly as the reports page computes them, and the link to that page."""
    tiles = []
    for kind in reports.kinds_in_use(period):
        report = reports.parse_filter(
            {"from": period.start.isoformat(), "to": period.end.isoformat(), "interval": period.interval}, kind=kind
        )
        tiles.append(
            {
                "report": report,
                "summary": reports.summary(report),
                "change": reports.change(reports.trend(report)),
                "url": reverse("reviews:overview") + "?" + report.querystring(),
            }
        )
    return tiles


def case_tiles(user) -> dict:
    """Open detractor cases the user can see and how many of them are overdue, with the queue views that list them."""
    queue = reverse("followup:queue")
    open_cases = Case.objects.visible_to(user).open().filter(segment=Segment.DETRACTOR)
    return {
        "open": open_cases.count(),
        "overdue": open_cases.overdue().count(),
        "open_url": queue + "?" + urlencode({"segment": Segment.DETRACTOR}),
        "overdue_url": queue + "?" + urlencode({"segment": Segment.DETRACTOR, "overdue": "true"}),
    }


def loop_tiles(period: reports.ReportFilter) -> dict:
    """The loop report's overall figures for the same period, and the link to it."""
    dates = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return {
        **loop_report(start=period.start, end=period.end)["overall"],
        "url": reverse("followup:loop_report") + "?" + urlencode(dates),
    }


def manager_home(user, period: reports.ReportFilter) -> dict:
    """Everything the home shows; the loop figures cover every team's cases, so only for who sees them all."""
    rollups.refresh()  # as the reports page does: cheap when nothing changed
    sees_all = user.has_perm(VIEW_ALL_CASES)
    return {
        "period": period,
        "scores": score_tiles(period),
        "cases": case_tiles(user),
        "loop": loop_tiles(period) if sees_all else None,
    }
