from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from feedback_platform.roles import reports_required

from .metrics import nps_summary
from .models import Feedback


@login_required
@reports_required
def overview(request):
    """The manager's home: NPS with its n and interval, now and over time windows."""
    now = timezone.now()
    windows = [(30, nps_summary(Feedback.objects.filter(received_at__gte=now - timedelta(days=30))))]
    windows.append((90, nps_summary(Feedback.objects.filter(received_at__gte=now - timedelta(days=90)))))
    context = {
        "windows": windows,
        "all_time": nps_summary(Feedback.objects.all()),
        "recent": Feedback.objects.select_related("contact", "survey")[:10],
    }
    return render(request, "reviews/overview.html", context)
