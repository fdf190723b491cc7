"""followup's data: teams, cases and their timeline, the outbox, templates and rules."""

from .cases import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseQuerySet,
    CaseStatus,
    Compensation,
    CompensationKind,
    EventKind,
    PriorityWeight,
    RecoveryOutcome,
    RootCause,
)
from .inbound import InboundEmail, InboundOutcome
from .outbox import OutboxEmail, OutboxStatus
from .retention import RetentionPolicy
from .rules import EmailTemplate, Rule, RuleFiring, Suspicion
from .teams import Team, TeamMembership

__all__ = [
    "OPEN_STATUSES",
    "Case",
    "CaseEvent",
    "CaseQuerySet",
    "CaseStatus",
    "Compensation",
    "CompensationKind",
    "EmailTemplate",
    "EventKind",
    "RetentionPolicy",
    "InboundEmail",
    "InboundOutcome",
    "OutboxEmail",
    "OutboxStatus",
    "PriorityWeight",
    "RecoveryOutcome",
    "RootCause",
    "Rule",
    "RuleFiring",
    "Suspicion",
    "Team",
    "TeamMembership",
]
