"""The escalation sweep records its activity as the system."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_platform.models import ActivityEntry, ActorKind
from followup.escalation import escalate_overdue
from followup.models import Case
from tests.followup.helpers import detractor_case

pytestmark = pytest.mark.django_db


def test_the_escalation_sweep_records_the_system(agent):
    case = detractor_case()
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() - timedelta(minutes=1))
    assert escalate_overdue() == 1
    entry = ActivityEntry.objects.get(action="followup.case.escalated")
    assert entry.actor_kind == ActorKind.SYSTEM and entry.actor_label == "followup.escalate_overdue"
    assert entry.payload["target"] == "first_response" and entry.actor_user is None
