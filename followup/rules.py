"""The rule engine: what happens when a classified feedback arrives.

Rules run in order. Each records whether it fired and why (RuleFiring), so an
agent can see which rule sent an email or opened a case. Defaults (migration
0002): a detractor gets an apology and a case, a passive a thank-you, a
promoter a thank-you with a review invitation, a suspicious review silence.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from feedback_platform.batch import batch_members, insert_at_batch_end, once_per_batch
from reviews.models import Feedback
from surveys.segments import current_thresholds, segment_for

from . import cases, follow_up, rule_actions
from .emails import unwritten_parts
from .models import EmailTemplate, Rule, RuleFiring, Suspicion
from .models.rules import ATTRIBUTE_OPERATORS
from .notifications import notify_team


def _labels(feedback: Feedback) -> dict:
    """The labels rules look at, from reviews' classifiers."""
    return {
        "topics": feedback.topic_slugs(),  # a batch prefetched them
        "sentiment": feedback.sentiment_score,
        "churn_intent": feedback.churn_intent,
        "suspicious": feedback.is_suspicious,
    }


def match(rule: Rule, feedback: Feedback, labels: dict) -> list[str] | None:
    """The reasons a rule matches, one per condition it checks; None when one fails."""
    reasons = []

    def check(condition: bool, reason: str) -> bool:
        reasons.append(reason)
        return condition

    checks = [
        not rule.segments or check(feedback.segment in rule.segments, f"segment {feedback.segment}"),
        not rule.kinds or check(feedback.kind in rule.kinds, f"kind {feedback.kind}"),
        not rule.sources or check(feedback.source in rule.sources, f"source {feedback.source}"),
        rule.survey_id is None or check(feedback.survey_id == rule.survey_id, f"survey {feedback.survey_id}"),
        rule.score_min is None or check(feedback.score >= rule.score_min, f"score {feedback.score} ≥ {rule.score_min}"),
        rule.score_max is None or check(feedback.score <= rule.score_max, f"score {feedback.score} ≤ {rule.score_max}"),
        not rule.topics
        or check(bool(labels["topics"] & set(rule.topics)), f"topics {sorted(labels['topics'] & set(rule.topics))}"),
        rule.sentiment_max is None
        or check(
            labels["sentiment"] is not None and labels["sentiment"] <= rule.sentiment_max,
            f"sentiment {labels['sentiment']} ≤ {rule.sentiment_max}",
        ),
        not rule.churn_intents
        or check(labels["churn_intent"] in rule.churn_intents, f"churn intent {labels['churn_intent']}"),
        rule.suspicion == Suspicion.ANY
        or check(
            labels["suspicious"] == (rule.suspicion == Suspicion.SUSPICIOUS),
            "suspicious" if labels["suspicious"] else "not suspicious",
        ),
    ]
    if not all(checks):
        return None
    attributes = feedback.contact.attributes if feedback.contact else {}
    for condition in rule.attribute_conditions:
        if not _attribute_matches(condition, attributes):
            return None
        reasons.append(f"{condition['attribute']} {condition['op']} {condition['value']}")
    return reasons or ["matches every feedback"]


def _attribute_matches(condition: dict, attributes: dict) -> bool:
    actual, op, expected = attributes.get(condition["attribute"]), condition["op"], condition["value"]
    if actual is None:
        return False
    if op == "eq":
        return str(actual) == str(expected)
    if op == "in":
        return str(actual) in {str(value) for value in expected}
    try:
        actual, expected = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return actual >= expected if op == "gte" else actual <= expected


def contradictions(rule: Rule) -> dict[str, str]:
    """Field errors for a rule that could never match or whose actions contradict each other."""
    errors = {}
    if rule.score_min is not None and rule.score_max is not None and rule.score_min > rule.score_max:
        errors["score_max"] = _("The lowest score (%(low)s) is above the highest (%(high)s): nothing can match.") % {
            "low": rule.score_min,
            "high": rule.score_max,
        }
    elif rule.segments and not _segment_reachable(rule):
        errors["segments"] = _("No score from %(low)s to %(high)s is a %(segments)s for these kinds.") % {
            "low": rule.score_min if rule.score_min is not None else "…",
            "high": rule.score_max if rule.score_max is not None else "…",
            "segments": " / ".join(rule.segments),
        }
    if rule.sentiment_max is not None and not -1 <= rule.sentiment_max <= 1:
        errors["sentiment_max"] = _("Sentiment runs from −1 to 1.")
    if rule.no_auto_reply and (rule.email_template or rule.invite_review):
        errors["no_auto_reply"] = _("A rule cannot both send an email and forbid automatic replies.")
    if rule.email_template and not EmailTemplate.objects.filter(key=rule.email_template).exists():
        errors["email_template"] = _("There is no email template with the key %(key)s.") % {"key": rule.email_template}
    elif rule.email_template and any(
        unwritten_parts(f"{subject}\n{body}")
        for subject, body in EmailTemplate.objects.filter(key=rule.email_template).values_list("subject", "body")
    ):
        errors["email_template"] = _(
            "The template %(key)s has parts an agent must write ([[…]]): a rule cannot send it on its own."
        ) % {"key": rule.email_template}
    extra = rule.extra_actions if isinstance(rule.extra_actions, list) else [rule.extra_actions]
    unknown = [str(key) for key in extra if not isinstance(key, str) or rule_actions.rule_action(key) is None]
    if unknown:
        errors["extra_actions"] = _("Unknown action: %(keys)s.") % {"keys": ", ".join(unknown)}
    for condition in rule.attribute_conditions or []:
        if not isinstance(condition, dict) or set(condition) != {"attribute", "op", "value"}:
            errors["attribute_conditions"] = _('Each condition needs "attribute", "op" and "value".')
        elif condition["op"] not in ATTRIBUTE_OPERATORS:
            errors["attribute_conditions"] = _("Unknown operator %(op)s; use eq, in, gte or lte.") % {
                "op": condition["op"]
            }
    return errors


def _segment_reachable(rule: Rule) -> bool:
    """Whether some score in the rule's range falls in one of its segments, for some kind it covers."""
    limits = current_thresholds()
    scales = [(kind, top) for kind, top in limits if not rule.kinds or kind in rule.kinds]
    low = rule.score_min if rule.score_min is not None else 0
    high = rule.score_max if rule.score_max is not None else 10
    return any(
        segment_for(kind, score, top, limits)[0] in rule.segments
        for kind, top in scales
        for score in range(max(low, 0 if kind == "nps" else 1), min(high, top) + 1)
    )


def _active_rules() -> list[Rule]:
    return list(Rule.objects.filter(is_active=True).select_related("case_team", "notify_team"))


# Nested in a caller's transaction (the rule engine, a batch of hundreds) it adds no savepoint: its failure
# is the caller's, which rolls back whole (a savepoint costs two round trips per call).
@transaction.atomic(savepoint=False)
def act_on_feedback(*, feedback: Feedback) -> list[RuleFiring]:
    """Apply the active rules to a classified feedback; running it again fires nothing twice.

    Cases and notifications run once per rule; the customer's email is one per answer, composed from every
    rule that matches now (follow_up.py), so a changed score replaces a follow-up still waiting."""
    labels = _labels(feedback)
    firings, matched, silent = [], [], False
    fired = _firings_of(feedback)
    for rule in once_per_batch("followup.active_rules", _active_rules):
        reasons = match(rule, feedback, labels)
        if reasons is None:
            continue
        silent = silent or rule.no_auto_reply
        firing, created = fired.get(rule.pk), rule.pk not in fired
        if firing is None:  # runs on one feedback take turns on a row lock (its answer's, or its batch's)
            actions = _run_actions(rule, feedback, silent=silent)
            firing = RuleFiring(feedback=feedback, rule=rule, reasons=reasons, actions=actions)
        firings.append(firing)
        matched.append((rule, firing, created))
        if rule.stop_processing:
            break
    if not silent:
        _record_follow_up(feedback, matched)
    insert_at_batch_end([firing for firing in firings if firing.pk is None])  # with every note
    return firings


def _firings_of(feedback: Feedback) -> dict[int, RuleFiring]:
    """The rules that already fired on this feedback, by rule; read for its whole batch at once, with the
    batch's cases (which `_run_actions` reads)."""
    members = batch_members(feedback)
    key = f"followup.firings:{members[0].pk}"  # outside a batch, one feedback is its own batch

    def read() -> dict[int, dict[int, RuleFiring]]:
        cases.cases_of_batch(feedback)  # the batch's cases, on their feedback for `_run_actions`
        by_feedback: dict[int, dict[int, RuleFiring]] = {}
        for firing in RuleFiring.objects.filter(feedback__in=[row.pk for row in members]):
            by_feedback.setdefault(firing.feedback_id, {})[firing.rule_id] = firing
        return by_feedback

    return once_per_batch(key, read).get(feedback.pk, {}) if feedback.pk else {}


def _run_actions(rule: Rule, feedback: Feedback, *, silent: bool) -> list[str]:
    done = []
    case = getattr(feedback, "case", None)  # a reverse one-to-one raises AttributeError when absent
    if rule.open_case:
        case, created = cases.open_case(
            feedback=feedback, team=rule.case_team, priority_floor=rule.priority_floor, sla_minutes=rule.sla_minutes
        )
        done.append(f"opened case {case.pk}" if created else f"case {case.pk} already open")
    if rule.notify_team:
        done.append(notify_team(team=rule.notify_team, feedback=feedback, case=case, rule=rule))
    done.extend(rule_actions.run_extra_actions(rule=rule, feedback=feedback, case=case))
    if silent and (rule.email_template or rule.invite_review):
        done.append("no automatic reply (an earlier rule forbids it)")
    return done


def _record_follow_up(feedback: Feedback, matched: list[tuple[Rule, RuleFiring, bool]]) -> None:
    """Send (or replace) the answer's one follow-up and note what happened on the rule that asked for it."""
    asking = [(rule, firing, created) for rule, firing, created in matched if follow_up.wants_email(rule)]
    if not asking:
        return
    outcome = follow_up.send_follow_up(feedback=feedback, rules=[rule for rule, _firing, _created in asking])
    if outcome is None:  # nothing changed since the last run
        return
    firing = next((firing for _rule, firing, created in asking if created), asking[0][1])
    new = [note for note in outcome if note not in firing.actions]  # a re-run (the comment) repeats no note
    if new:
        firing.actions = [*firing.actions, *new]
        if firing.pk is not None:  # a new firing is inserted with its notes
            firing.save(update_fields=["actions"])
