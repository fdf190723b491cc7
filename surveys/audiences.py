"""Who a send is for: conditions on contacts, checked by one function and applied by another.

A condition is a JSON object; a contact matches when it meets every condition of the list.

    {"field": "language" | "email" | "name" | "external_id" | "customer_since" | "created_at"
              | "attributes.<name>" | "tags", "op": …, "value": …}
    {"field": "answers", "op": "answered" | "not_answered", "days": N, "survey": id,
     "segment": "detractor" | "passive" | "promoter", "score_min": n, "score_max": n}   (all but op optional)

Attributes are JSON on the contact: text operators compare their text; number operators read numbers and
numeric text (a CSV import stores "150"), ignoring other values; date operators read ISO dates
("2026-01-31", or a date-time that starts with one). One answers condition is one answer that meets all its
parts: "detractors of the last 90 days" is {"field": "answers", "op": "answered", "days": 90, "segment":
"detractor"}; "never answered" is {"field": "answers", "op": "not_answered"}.
"""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Exists, F, FloatField, OuterRef, Q, QuerySet, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, changed_fields, record_activity
from feedback_platform.cleantext import is_storable

from .models import Answer, Audience, Contact, Segment, Survey, tag_name

TEXT_OPS = ("equals", "not_equals", "one_of", "contains")
NUMBER_OPS = ("gt", "gte", "lt", "lte")
DATE_OPS = ("before", "after", "within_days", "older_than_days")
TAG_OPS = ("has", "has_any", "lacks")
ANSWER_OPS = ("answered", "not_answered")
#: What each kind of field accepts.
COLUMN_FIELDS = {"language", "email", "name", "external_id"}
DATE_FIELDS = {"customer_since", "created_at"}
ATTRIBUTE_OPS = TEXT_OPS + NUMBER_OPS + DATE_OPS
ATTRIBUTE_PREFIX = "attributes."
ATTRIBUTE_NAME = re.compile(r"^(?!\d+$)(?!.*__)[\w .\-]{1,100}$")  # all digits would be a JSON array index
NUMBER_TEXT = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"
DATE_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
ANSWER_KEYS = {"field", "op", "days", "survey", "segment", "score_min", "score_max"}
MAX_CONDITIONS = 50
MAX_DAYS = 36_600  # a century: more overflows a date
MAX_NUMBER = 1e15
MAX_ID = 2**31 - 1
MAX_VALUES = 500  # in one `one_of` / `has_any` list
SAMPLE_SIZE = 10


def ops_for(field: str) -> tuple[str, ...]:
    """The operators a field takes; () for a field that does not exist."""
    if field in COLUMN_FIELDS:
        return TEXT_OPS
    if field in DATE_FIELDS:
        return DATE_OPS
    if field == "tags":
        return TAG_OPS
    if field == "answers":
        return ANSWER_OPS
    if field.startswith(ATTRIBUTE_PREFIX) and ATTRIBUTE_NAME.match(field[len(ATTRIBUTE_PREFIX) :]):
        return ATTRIBUTE_OPS
    return ()


def condition_problems(conditions: object) -> dict[str, str]:
    """`conditions[i].part` → why it cannot be used; empty when every condition can. The one check for the
    segments' and sends' pages, the API and the recurring sends."""
    if conditions in (None, ""):
        return {}
    if not isinstance(conditions, list):
        return {"conditions": _("A list of conditions.")}
    if len(conditions) > MAX_CONDITIONS:
        return {"conditions": _("At most %(n)s conditions.") % {"n": MAX_CONDITIONS}}
    problems: dict[str, str] = {}
    for index, condition in enumerate(conditions):
        for part, reason in _one_condition_problems(condition).items():
            problems[f"conditions[{index}].{part}" if part else f"conditions[{index}]"] = reason
    return problems


def _one_condition_problems(condition: object) -> dict[str, str]:
    if not isinstance(condition, dict):
        return {"": _('An object such as {"field": "attributes.plan", "op": "equals", "value": "pro"}.')}
    field = condition.get("field")
    ops = ops_for(field) if isinstance(field, str) else ()
    if not ops:
        return {"field": _("Unknown field %(field)s.") % {"field": repr(field)}}
    op = condition.get("op")
    if op not in ops:
        return {"op": _("Unknown operator %(op)s for %(field)s; use one of: %(ops)s.") % {
            "op": repr(op), "field": field, "ops": ", ".join(ops)
        }}  # fmt: skip
    if field == "answers":
        return _answer_problems(condition)
    extra = set(condition) - {"field", "op", "value"}
    if extra:
        return {sorted(extra)[0]: _("Not a part of this condition.")}
    reason = _value_problem(str(op), condition.get("value"))
    return {"value": reason} if reason else {}


def _value_problem(op: str, value: object) -> str:
    if op in ("one_of", "has_any"):
        if not isinstance(value, list) or not value or not all(_is_text(item) for item in value):
            return _("A list of one or more texts.")
        return _("At most %(n)s values.") % {"n": MAX_VALUES} if len(value) > MAX_VALUES else ""
    if op in NUMBER_OPS:
        return "" if _is_number(value) else _("A number.")
    if op in ("within_days", "older_than_days"):
        return "" if _is_days(value, 0) else _("A number of days.")
    if op in ("before", "after"):
        return "" if _is_date(value) else _("A date such as 2026-01-31.")
    if not _is_text(value) or (op in ("contains", "has", "lacks") and not str(value).strip()):
        return _("A text.")
    return ""


def _answer_problems(condition: dict) -> dict[str, str]:
    problems = {}
    extra = set(condition) - ANSWER_KEYS
    if extra:
        problems[sorted(extra)[0]] = _("Not a part of this condition.")
    days = condition.get("days")
    if days is not None and not _is_days(days, 1):
        problems["days"] = _("A number of days, 1 or more.")
    survey = condition.get("survey")
    if survey is not None and not (_is_days(survey, 1, MAX_ID) and Survey.objects.filter(pk=survey).exists()):
        problems["survey"] = _("No survey %(id)s.") % {"id": survey}
    if condition.get("segment") not in (None, *Segment.values):
        problems["segment"] = _("One of: %(names)s.") % {"names": ", ".join(Segment.values)}
    for part in ("score_min", "score_max"):
        score = condition.get(part)
        if score is not None and not (isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 10):
            problems[part] = _("A score from 0 to 10.")
    low, high = condition.get("score_min"), condition.get("score_max")
    if not problems and low is not None and high is not None and low > high:
        problems["score_max"] = _("At least the lowest score.")
    return problems


def _is_text(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 1000 and is_storable(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= MAX_NUMBER


def _is_days(value: object, low: int, high: int = MAX_DAYS) -> bool:
    """A whole number from `low` to `high` (also ids: within PostgreSQL's integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False  # the ISO day only: attribute dates are compared by their first ten characters
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def legacy_conditions(audience: dict) -> list[dict]:
    """A send's `audience` of plain equalities ({"language": "ja", "plan": "pro"}) as conditions."""
    return [
        {"field": name if name in COLUMN_FIELDS else f"{ATTRIBUTE_PREFIX}{name}", "op": "equals", "value": value}
        for name, value in (audience or {}).items()
    ]


def matching_contacts(conditions: list[dict], contacts: QuerySet[Contact] | None = None) -> QuerySet[Contact]:
    """The contacts (by default every one not archived) that meet every condition; the conditions are checked
    (`condition_problems`) by whoever stored them. One query however many conditions."""
    found = contacts if contacts is not None else Contact.objects.filter(archived_at__isnull=True)
    for index, condition in enumerate(conditions or []):
        field, op = condition["field"], condition["op"]
        if field == "answers":
            found = found.filter(_answers_q(condition))
        elif field == "tags":
            found = found.filter(_tags_q(op, condition["value"]))
        elif field.startswith(ATTRIBUTE_PREFIX):
            found = _attribute_filter(found, f"_c{index}", field[len(ATTRIBUTE_PREFIX) :], op, condition["value"])
        else:
            found = found.filter(_column_q(field, op, condition["value"]))
    return found.order_by("pk")


def preview(conditions: list[dict], contacts: QuerySet[Contact] | None = None) -> tuple[int, list[Contact]]:
    """How many contacts the conditions reach, and the first SAMPLE_SIZE of them (in the order a send
    invites them)."""
    found = matching_contacts(conditions, contacts)
    return found.count(), list(found.prefetch_related("tags")[:SAMPLE_SIZE])


def _column_q(field: str, op: str, value) -> Q:
    if field in DATE_FIELDS:
        return _date_q(f"{field}__date" if field == "created_at" else field, op, value)
    if op == "equals":
        return Q(**{f"{field}__iexact" if field == "email" else field: value})
    if op == "not_equals":
        return ~Q(**{f"{field}__iexact" if field == "email" else field: value})
    if op == "one_of":
        return Q(**{f"{field}__in": value})
    return Q(**{f"{field}__icontains": value})


def _date_q(lookup: str, op: str, value) -> Q:
    if op in ("within_days", "older_than_days"):
        cutoff = timezone.localdate() - timedelta(days=value)
        return Q(**{f"{lookup}__gte" if op == "within_days" else f"{lookup}__lt": cutoff})
    return Q(**{f"{lookup}__lt" if op == "before" else f"{lookup}__gt": date.fromisoformat(value)})


def _attribute_filter(found: QuerySet[Contact], alias: str, name: str, op: str, value) -> QuerySet[Contact]:
    """One attribute condition. The text is CAST so numbers compare as their text on both databases (SQLite
    would give an integer); numbers and dates read only values that look like them (PostgreSQL refuses to
    cast "pro" to a number, so the CASE guards the cast)."""
    text = Cast(KeyTextTransform(name, "attributes"), CharField())
    if op in TEXT_OPS:
        found = found.alias(**{alias: text})
        if op == "not_equals":  # a contact without the attribute is not equal to it either
            return found.filter(Q(**{f"{alias}__isnull": True}) | ~Q(**{alias: value}))
        lookup = {"equals": "", "one_of": "__in", "contains": "__icontains"}[op]
        return found.filter(**{f"{alias}{lookup}": value})
    if op in NUMBER_OPS:
        number = Case(When(**{f"{alias}_text__regex": NUMBER_TEXT}, then=Cast(F(f"{alias}_text"), FloatField())))
        found = found.alias(**{f"{alias}_text": text}).alias(**{alias: number})
        return found.filter(**{f"{alias}__{op}": float(value)})
    # Dates: ISO text compares as it sorts, so the first ten characters are compared as text.
    day = Case(When(**{f"{alias}_text__regex": DATE_TEXT}, then=Substr(F(f"{alias}_text"), 1, 10)))
    found = found.alias(**{f"{alias}_text": text}).alias(**{alias: day})
    if op in ("within_days", "older_than_days"):
        cutoff = (timezone.localdate() - timedelta(days=value)).isoformat()
        return found.filter(**{f"{alias}__gte" if op == "within_days" else f"{alias}__lt": cutoff})
    return found.filter(**{f"{alias}__lt" if op == "before" else f"{alias}__gt": value})


def _tags_q(op: str, value) -> Q:
    names = [tag_name(name) for name in (value if isinstance(value, list) else [value])]
    tagged = Contact.tags.through.objects.filter(contact_id=OuterRef("pk"), tag__name__in=names)
    return ~Q(Exists(tagged)) if op == "lacks" else Q(Exists(tagged))


def _answers_q(condition: dict) -> Q:
    """One answer of the contact that meets every part. The segment is the one its Feedback stores (placed by
    surveys.segments.segment_for with the thresholds in force, re-placed when an admin changes them), read
    through the relation reviews declares, so there is no second copy of the rule here. An answer whose
    Feedback is still being made in the worker (seconds) has no segment yet."""
    answers = Answer.objects.filter(contact_id=OuterRef("pk"))
    if condition.get("days"):
        answers = answers.filter(answered_at__gte=timezone.now() - timedelta(days=condition["days"]))
    if condition.get("survey") is not None:
        answers = answers.filter(survey_id=condition["survey"])
    if condition.get("segment"):
        answers = answers.filter(feedback__segment=condition["segment"])
    if condition.get("score_min") is not None:
        answers = answers.filter(score__gte=condition["score_min"])
    if condition.get("score_max") is not None:
        answers = answers.filter(score__lte=condition["score_max"])
    return ~Q(Exists(answers)) if condition["op"] == "not_answered" else Q(Exists(answers))


@transaction.atomic
def save_audience(*, actor: Actor, audience: Audience) -> Audience:
    """Create or change a saved segment; its name and conditions are checked here (field-named errors).
    A send made from it earlier keeps the conditions it was made with; a recurring send reads the new ones."""
    problems = condition_problems(audience.conditions)
    name = audience.name.strip()
    if not name:
        problems["name"] = _("A name.")
    elif Audience.objects.exclude(pk=audience.pk).filter(name__iexact=name).exists():
        problems["name"] = _("Another segment has this name.")
    if problems:
        raise ValidationError(problems)
    created = audience._state.adding
    fields = changed_fields(audience, ["name", "conditions"])
    audience.name = name
    audience.save()
    if created or fields:
        action = "surveys.segment.created" if created else "surveys.segment.changed"
        record_activity(actor=actor, action=action, target=audience, payload={"fields": fields})
    return audience
