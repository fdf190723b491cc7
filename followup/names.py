"""What staff read for the codes the follow-up stores: e-mail template keys, priority factors, case statuses in the
timeline, re-survey outcomes and compensation kinds.

The codes stay in the database, the API and URLs; pages show these names (a key an admin made up has no name
here and is shown as typed).
"""

from datetime import date

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from reviews.classify.tone import TONE_NAMES  # noqa: F401  (the names pages read, gathered here)
from reviews.models import ChurnIntent

from .models import CaseStatus, CompensationKind, RecoveryOutcome

TEMPLATE_KEY_NAMES = {
    "apology": _("Apology"),
    "thank_you": _("Thank you"),
    "promoter_thanks": _("Thanks to a promoter"),
    "review_invitation": _("Review invitation"),
    "resolution": _("Resolution"),
    "reply": _("Reply"),
}
FACTOR_NAMES = {
    "score": _("Score"),
    "negative_sentiment": _("Negative sentiment"),
    "churn_intent": _("Churn intent"),
    "high_value": _("High-value customer"),
    "new_customer": _("New customer"),
    "repeat_detractor": _("Repeat detractor"),
    "public_review": _("Public review"),
    "reopened_by_customer": _("Reopened by the customer"),
    "rule_floor": _("Rule's priority floor"),
}
# A factor with the values it was computed from (followup.priority stores them beside the code), in words.
FACTOR_DETAILS = {
    "score": _("Score %(score)s of %(scale_max)s"),
    "negative_sentiment": _("Negative sentiment (%(sentiment)s on a scale of −1 to 1)"),
    "churn_intent": _("Churn intent: %(intent)s"),
    "high_value": _("High-value customer (lifetime value %(lifetime_value)s)"),
    "new_customer": _("New customer (since %(since)s)"),
    "public_review": _("Public review on %(platform)s"),
    "rule_floor": _("A rule sets the priority to at least %(floor)s"),
}


def _shown(name: str, value):
    """One stored value as a reader reads it: a churn kind by its name, numbers and dates in the reader's format."""
    if name == "intent":
        return ChurnIntent(value).label if value in ChurnIntent.values else value
    if name == "since":
        return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if isinstance(value, float):
        return formats.number_format(value, 2 if name == "sentiment" else 0, use_l10n=True)
    return value


def factor_text(factor: dict) -> str:
    """A stored priority factor in the reader's language ("Score 1 of 10"); a factor stored before its values
    were, or one with nothing to add (or an empty value, such as a review's unknown platform), by its name."""
    code = factor.get("factor", "")
    values = {name: value for name, value in (factor.get("values") or {}).items() if value not in (None, "")}
    name = str(FACTOR_NAMES.get(code, code))
    if code not in FACTOR_DETAILS:
        return name
    try:
        return str(FACTOR_DETAILS[code]) % {key: _shown(key, value) for key, value in values.items()}
    except (KeyError, ValueError):  # a value the words need is missing: the name says enough
        return name


def status_name(code: str) -> str:
    """A case status by its name (timeline entries store the codes of both ends of a change)."""
    return CaseStatus(code).label if code in CaseStatus.values else code


def outcome_name(code: str) -> str:
    """A re-survey outcome by its name ("passive" → "Detractor → passive")."""
    return RecoveryOutcome(code).label if code in RecoveryOutcome.values else code


def compensation_name(code: str) -> str:
    return CompensationKind(code).label if code in CompensationKind.values else code


# What an agent heard on a logged call: the call form's choices and the timeline's names for them.
CALL_OUTCOMES = {
    "reached": _("Reached the customer"),
    "voicemail": _("Left a voicemail"),
    "no_answer": _("No answer"),
    "callback": _("Customer asked for a callback"),
}
# Which deadline an escalation was for (followup.escalation's targets).
ESCALATION_NAMES = {
    "first_response": _("First response overdue"),
    "resolution": _("Resolution overdue"),
}
# Contact attributes the product itself reads (imports, reports, priority); others are named by whoever set them.
ATTRIBUTE_NAMES = {
    "plan": _("Plan"),
    "region": _("Region"),
    "product": _("Product"),
    "lifetime_value": _("Lifetime value"),
}


def event_outcome(event) -> str:
    """A timeline entry's outcome by its name: a call's (what the agent heard) or a re-survey's."""
    code = event.data.get("outcome", "")
    if event.kind == "call":
        return str(CALL_OUTCOMES.get(code, code))
    return outcome_name(code)
