"""Rule actions that other apps provide (a helpdesk ticket, …), registered by key.

followup runs rules but must not know the apps to its right; an app registers an action in its
`AppConfig.ready`, a rule names it in `Rule.extra_actions`, and the engine calls it with the rule's feedback
and case, inside the rule engine's transaction (so the action queues its work, it never calls out itself).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from reviews.models import Feedback

from .models import Case, Rule


@dataclass(frozen=True)
class RuleAction:
    key: str
    label: str | Promise
    #: run(rule=, feedback=, case=) -> one line for the rule's firing ("queued ticket for case 12").
    run: Callable[..., str]


_ACTIONS: dict[str, RuleAction] = {}


def register_rule_action(action: RuleAction) -> None:
    """Make `action.key` available to rules; registering the same key again replaces it (a reloaded app)."""
    _ACTIONS[action.key] = action


def registered_actions() -> list[RuleAction]:
    return sorted(_ACTIONS.values(), key=lambda action: action.key)


def rule_action(key: str) -> RuleAction | None:
    return _ACTIONS.get(key)


def run_extra_actions(*, rule: Rule, feedback: Feedback, case: Case | None) -> list[str]:
    """Each of the rule's extra actions once; a key nobody registers (an app removed) is noted, not fatal."""
    done = []
    for key in rule.extra_actions or []:
        action = _ACTIONS.get(key)
        done.append(action.run(rule=rule, feedback=feedback, case=case) if action else f"unknown action {key}")
    return done
