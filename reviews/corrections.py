"""People correct labels; the corrections change the feedback at once and teach the next model.

`correct_label` stores a LabelCorrection, sets the feedback's label (its explanation says a person set it,
under ``explanation["corrected"]``), records the activity and sends `label_corrected`, all in one transaction;
`followup` listens and recomputes the open case's priority and routing (reviews never imports followup).
Re-classification (reviews.ingest.classify) re-applies ``explanation["corrected"]``, so a person's label is
never overwritten by the machine.

`training_rows(language)` is what the trainer (reviews.training) reads: one row per corrected feedback, its
full label set, where the latest correction per feedback and field wins.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, record_activity

from .models import ChurnIntent, CorrectionKind, Feedback, LabelCorrection, Topic
from .signals import label_corrected

SENTIMENTS = ("negative", "neutral", "positive")
# A person gives a label, not a score; priority reads the score, so each label gets a plain one.
SENTIMENT_SCORE = {"negative": -0.6, "neutral": 0.0, "positive": 0.6}


def model_version(feedback: Feedback) -> int | None:
    """The classifier version that labelled this feedback, when its explanation says so."""
    why = feedback.explanation or {}
    value = why.get("model_version") or (why.get("model") or {}).get("version")
    return value if isinstance(value, int) else None


def check_correction(kind: str, value: str) -> dict[str, str]:
    """Field errors of a correction (empty when it is valid)."""
    if kind not in CorrectionKind.values:
        return {"kind": _("Choose sentiment, churn intent, or a topic to add or remove.")}
    if kind == CorrectionKind.SENTIMENT and value not in SENTIMENTS:
        return {"value": _("Choose negative, neutral or positive.")}
    if kind == CorrectionKind.CHURN and value not in ChurnIntent.values:
        return {"value": _("Choose one of the churn kinds.")}
    topical = kind in (CorrectionKind.TOPIC_ADDED, CorrectionKind.TOPIC_REMOVED)
    if topical and not Topic.objects.filter(slug=value).exists():
        return {"value": _("There is no topic “%(slug)s”.") % {"slug": value[:50]}}
    return {}


@transaction.atomic
def correct_label(*, actor, feedback: Feedback, kind: str, value: str) -> LabelCorrection | None:
    """Set one label of `feedback` as a person says; None when it already had that label (nothing stored).

    Raises ValidationError (field errors) for an unknown kind, value or topic slug.
    """
    errors = check_correction(kind, value)
    if errors:
        raise ValidationError(errors)
    feedback = Feedback.objects.select_for_update(of=("self",)).get(pk=feedback.pk)
    old = _current(feedback, kind, value)
    if old == _target(kind, value):
        return None
    who = Actor.of(actor)
    correction = LabelCorrection.objects.create(
        feedback=feedback,
        kind=kind,
        old_value=old,
        new_value=_target(kind, value),
        model_version=model_version(feedback),
        language=feedback.language,
        corrected_by_id=who.user_id,
    )
    _apply(feedback, kind, value, who)
    record_activity(
        actor=who,
        action="reviews.feedback.label_corrected",
        target=feedback,
        payload={"kind": kind, "old": old, "new": correction.new_value, "correction": correction.pk},
    )
    label_corrected.send(sender=Feedback, feedback=feedback, kind=kind)
    return correction


@transaction.atomic
def confirm_labels(*, actor, feedback: Feedback) -> list[LabelCorrection]:
    """A person says the machine's labels of `feedback` are right: one agreeing correction (old == new) per
    label they reviewed (its sentiment, its churn intent, each topic it has), which the agreement figures
    (reviews.agreement) count and the next model trains on. Labels a person already set are theirs, not the
    model's, and are skipped, as is a label this person has confirmed before; nothing on the feedback changes.
    Returns the confirmations stored (none when there was nothing left to confirm)."""
    feedback = Feedback.objects.select_for_update(of=("self",)).get(pk=feedback.pk)
    who = Actor.of(actor)
    corrected = (feedback.explanation or {}).get("corrected") or {}
    labels = [(CorrectionKind.SENTIMENT, feedback.sentiment_label)] if "sentiment" not in corrected else []
    labels += [(CorrectionKind.CHURN, feedback.churn_intent)] if "churn" not in corrected else []
    person_topics = corrected.get("topics") or {}
    slugs = feedback.topics.exclude(slug__in=list(person_topics)).values_list("slug", flat=True)
    labels += [(CorrectionKind.TOPIC_ADDED, slug) for slug in slugs]
    before = set(
        feedback.corrections.filter(corrected_by_id=who.user_id, old_value=F("new_value")).values_list(
            "kind", "new_value"
        )
    )
    version = model_version(feedback)
    stored = LabelCorrection.objects.bulk_create(
        LabelCorrection(
            feedback=feedback,
            kind=kind,
            old_value=value,
            new_value=value,
            model_version=version,
            language=feedback.language,
            corrected_by_id=who.user_id,
        )
        for kind, value in labels
        if value and (kind, value) not in before
    )
    if stored:
        record_activity(
            actor=who,
            action="reviews.feedback.labels_confirmed",
            target=feedback,
            payload={"labels": [[row.kind, row.new_value] for row in stored]},
        )
    return stored


def _current(feedback: Feedback, kind: str, value: str) -> str:
    if kind == CorrectionKind.SENTIMENT:
        return feedback.sentiment_label
    if kind == CorrectionKind.CHURN:
        return feedback.churn_intent
    return value if feedback.topics.filter(slug=value).exists() else ""


def _target(kind: str, value: str) -> str:
    """The label after the correction: for topics, the slug when added and "" when removed."""
    return "" if kind == CorrectionKind.TOPIC_REMOVED else value


def _apply(feedback: Feedback, kind: str, value: str, who: Actor) -> None:
    why = dict(feedback.explanation or {})
    corrected = dict(why.get("corrected") or {})
    stamp = {"by": who.label, "at": timezone.now().isoformat()}
    if kind == CorrectionKind.SENTIMENT:
        corrected["sentiment"] = {"label": value, **stamp}
    elif kind == CorrectionKind.CHURN:
        corrected["churn"] = {"label": value, **stamp}
    else:
        topics = dict(corrected.get("topics") or {})
        topics[value] = {"present": kind == CorrectionKind.TOPIC_ADDED, **stamp}
        corrected["topics"] = topics
    why["corrected"] = corrected
    feedback.explanation = why
    topic_slugs = apply_corrections(feedback, list(feedback.topics.values_list("slug", flat=True)))
    feedback.save(update_fields=["sentiment_label", "sentiment_score", "churn_intent", "explanation", "updated_at"])
    feedback.topics.set(Topic.objects.filter(slug__in=topic_slugs))


def apply_corrections(feedback: Feedback, topic_slugs: list[str]) -> list[str]:
    """Put the person-set labels of ``feedback.explanation["corrected"]`` back over the machine's (in place);
    returns the topic slugs with the corrected topics added or removed. Called by every (re-)classification."""
    corrected = (feedback.explanation or {}).get("corrected")
    if not corrected:
        return topic_slugs
    if "sentiment" in corrected:
        label = corrected["sentiment"]["label"]
        if feedback.sentiment_label != label:
            feedback.sentiment_score = SENTIMENT_SCORE[label]
        feedback.sentiment_label = label
    if "churn" in corrected:
        feedback.churn_intent = corrected["churn"]["label"]
    slugs = set(topic_slugs)
    for slug, state in (corrected.get("topics") or {}).items():
        (slugs.add if state["present"] else slugs.discard)(slug)
    return sorted(slugs)


def training_rows(language: str) -> list[dict]:
    """The corrected feedback of `language` as training rows: sentiment, churn, topics (slugs), text.

    The latest correction per feedback and field wins over the machine's label; the other labels are the
    feedback's own (a person who corrected one label and left the others agreed with them)."""
    latest: dict[int, dict] = {}
    corrections = (
        LabelCorrection.objects.filter(language=language)
        .order_by("feedback_id", "corrected_at", "pk")
        .values_list("feedback_id", "kind", "new_value", "old_value")
    )
    for feedback_id, kind, new, old in corrections:
        fields = latest.setdefault(feedback_id, {"topics": {}})
        if kind in (CorrectionKind.SENTIMENT, CorrectionKind.CHURN):
            fields[kind] = new
        else:
            slug = new or old
            fields["topics"][slug] = kind == CorrectionKind.TOPIC_ADDED
    rows = []
    feedback = Feedback.objects.filter(pk__in=latest).exclude(comment="").prefetch_related("topics").order_by("pk")
    for item in feedback:
        fields = latest[item.pk]
        topics = {t.slug for t in item.topics.all()}
        for slug, present in fields["topics"].items():
            (topics.add if present else topics.discard)(slug)
        rows.append(
            {
                "sentiment": fields.get("sentiment", item.sentiment_label),
                "churn": fields.get("churn", item.churn_intent),
                "topics": sorted(topics),
                "text": item.comment,
            }
        )
    return rows
