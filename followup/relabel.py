"""A person corrected a label of a feedback (reviews.corrections): its open case follows at once.

The priority is computed again from the corrected labels, keeping what a rule's floor or a customer's reply
added. Routing follows the topics while nobody owns the case yet: a case an agent already works stays with
them, and a team a rule chose (one that routes no topics) is not second-guessed.
"""

from django.db import transaction

from feedback_platform.activity import Actor, record_activity
from reviews.models import Feedback

from . import assignment
from .cases import copy_labels
from .models import OPEN_STATUSES, Case
from .priority import compute_priority


@transaction.atomic
def follow_corrected_labels(*, feedback: Feedback, actor: Actor | None = None) -> Case | None:
    """Recompute the open case's labels, priority and (unowned) team; None when there is no open case."""
    case = Case.objects.select_for_update().filter(feedback=feedback, status__in=OPEN_STATUSES).first()
    if case is None:
        return None
    floor = case.priority if any(f.get("factor") == "rule_floor" for f in case.priority_factors or []) else 0
    before = (case.priority, case.team_id)
    case.priority, case.priority_factors = compute_priority(
        feedback, floor=floor, reopened=case.is_reopened_by_customer
    )
    if case.owner_id is None and (case.team is None or case.team.is_default or case.team.topics):
        case.team = assignment.team_for(feedback)
    copy_labels(case, feedback).save()
    if (case.priority, case.team_id) != before:
        record_activity(
            actor=actor or Actor.system("followup.relabel"),
            action="followup.case.relabelled",
            target=case,
            payload={"priority": case.priority, "team": case.team_id, "was": list(before)},
        )
    return case
