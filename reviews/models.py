"""Feedback: one record for every survey answer, link, widget, API item or imported review."""

import json

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

# Segment is defined beside the one segment rule (surveys.segments) and stays importable from here.
from surveys.models import REPORTED_ATTRIBUTES, Segment, SurveyKind


class Source(models.TextChoices):
    SURVEY = "survey", _("Survey email")
    LINK = "link", _("Web link")
    WIDGET = "widget", _("In-app widget")
    API = "api", _("API")
    IMPORT = "import", _("Imported review")


class ChurnIntent(models.TextChoices):
    NONE = "none", _("None")
    LEAVING = "leaving", _("Decided to leave")
    LOOKING = "looking", _("Looking at alternatives")
    DISAPPOINTED = "disappointed", _("Disappointed by one thing")
    VENTING = "venting", _("Venting")


class LifecycleStage(models.TextChoices):
    NEW = "new", _("First 30 days")
    ONBOARDING = "onboarding", _("31-90 days")
    ESTABLISHED = "established", _("Established")
    CHURNED = "churned", _("Churned")


def topic_name(name: str, names: dict | None, language: str | None = None) -> str:
    """The one rule for a topic's display name: its name in `language` (the active one by default) when an
    admin gave one, else its default `name`. Topic names are taxonomy rows, not catalogue strings."""
    language = (language or translation.get_language() or "").lower()
    return (names or {}).get(language) or name


class TopicQuerySet(models.QuerySet):
    def choices(self) -> list[tuple[str, str]]:
        """(slug, name in the active language) for every topic selected, in the order of those names."""
        return sorted(((t.slug, t.label) for t in self.only("slug", "name", "names")), key=lambda c: c[1])


class Topic(models.Model):
    """A topic of the taxonomy admins edit: keywords per language ({"en": [...], "zh-hans": [...], "ja": [...]})
    and a name per language (`names`, the same keys; `name` is the default where a language has none)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    names = models.JSONField(default=dict, blank=True)
    keywords = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name the reader sees, in the active language."""
        return topic_name(self.name, self.names)


class FeedbackQuerySet(models.QuerySet):
    def detractors(self):
        return self.filter(segment=Segment.DETRACTOR)

    def of_kind(self, kind):
        return self.filter(kind=kind)


class Feedback(models.Model):
    source = models.CharField(max_length=10, choices=Source.choices)
    external_id = models.CharField(max_length=200, null=True, blank=True)
    # Imported reviews have no answer, survey or contact: their indexes are partial, so a bulk import skips them.
    answer = models.ForeignKey(
        "surveys.Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback", db_index=False
    )
    survey = models.ForeignKey("surveys.Survey", on_delete=models.SET_NULL, null=True, blank=True, db_index=False)
    contact = models.ForeignKey(
        "surveys.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback", db_index=False
    )
    kind = models.CharField(max_length=8, choices=SurveyKind.choices)
    scale_min = models.PositiveSmallIntegerField()
    scale_max = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    normalized_score = models.FloatField(
        null=True, blank=True, help_text=_("The score on 0..1 whatever the scale, to compare kinds.")
    )
    segment = models.CharField(max_length=10, choices=Segment.choices)
    segment_reason = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    sentiment_label = models.CharField(max_length=10, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="feedback")
    tone = models.CharField(max_length=12, blank=True)
    churn_intent = models.CharField(max_length=12, choices=ChurnIntent.choices, default=ChurnIntent.NONE)
    is_suspicious = models.BooleanField(default=False)
    suspicion_score = models.FloatField(default=0)
    explanation = models.JSONField(default=dict, blank=True, help_text=_("Why each label: rules, phrases, scores."))
    lifecycle_stage = models.CharField(max_length=12, choices=LifecycleStage.choices, blank=True)
    # The customer's group when they answered (see `record_group`); db_default: the COPY import omits them.
    plan = models.CharField(max_length=REPORTED_ATTRIBUTES["plan"], blank=True, default="", db_default="")
    region = models.CharField(max_length=REPORTED_ATTRIBUTES["region"], blank=True, default="", db_default="")
    product = models.CharField(max_length=REPORTED_ATTRIBUTES["product"], blank=True, default="", db_default="")
    platform = models.CharField(max_length=50, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    review_url = models.URLField(max_length=500, blank=True)
    product_ref = models.CharField(max_length=200, blank=True)
    # The same review text from several authors is a fraud signal: found by this hash, not a text scan.
    comment_hash = models.CharField(max_length=64, blank=True)
    # Bulk imports store the score-based segment at once and read the text later, in batches.
    classified_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, help_text=_("When the customer answered."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        permissions = [("view_reports", "Can view manager reports")]
        indexes = [
            models.Index(fields=["kind", "received_at"]),
            models.Index(fields=["segment", "received_at"]),
            models.Index(fields=["updated_at"], name="feedback_updated_idx"),  # the rollup watermark
            models.Index(fields=["received_at"], name="feedback_received_idx"),  # rollups rebuild by day
            # Suspicion's two look-ups (reviews.suspicion), each answered from the index alone: the low scores on a
            # product around a time, and the other authors of an imported text (equality only: no LIKE index).
            models.Index(
                fields=["product_ref", "received_at"],
                name="feedback_product_low_idx",
                condition=models.Q(segment=Segment.DETRACTOR),
            ),
            models.Index(
                fields=["comment_hash", "author_name"],
                name="feedback_import_text_idx",
                condition=models.Q(source=Source.IMPORT),
            ),
            models.Index(fields=["survey"], name="feedback_survey_idx", condition=models.Q(survey__isnull=False)),
            models.Index(fields=["contact"], name="feedback_contact_idx", condition=models.Q(contact__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["answer"], condition=models.Q(answer__isnull=False), name="feedback_one_per_answer"
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="feedback_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=models.F("scale_min"), score__lte=models.F("scale_max")),
                name="feedback_score_in_scale",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.score} ({self.segment})"

    def save(self, *args, **kwargs):
        if self._state.adding:
            record_group(self)
        super().save(*args, **kwargs)

    def topic_slugs(self) -> set[str]:
        """Its topics' slugs: as the batch that classified it attached them (`attached_topics`), else from the
        topics a query prefetched (without the related manager `topics.all()` builds on every call), else read."""
        if self.attached_topics is not None:
            return set(self.attached_topics)
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("topics")
        return {topic.slug for topic in (self.topics.all() if prefetched is None else prefetched)}

    #: The slugs a classification batch just linked this instance to (reviews.ingest.classify_stored): what the
    #: rules and routing it announces to read, with no query for them.
    attached_topics: list[str] | None = None


def record_group(feedback: Feedback) -> None:
    """Copy the contact's reported attributes (plan, region, product) onto the feedback. Reports count an answer
    in the group its customer was in when they answered (as Delighted keeps a response's properties), and the
    counts stay when the contact is later changed, archived or erased."""
    contact = feedback.contact
    if contact is None:
        return
    attributes = contact.attributes or {}
    for name, length in REPORTED_ATTRIBUTES.items():
        value = attributes.get(name)
        text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        setattr(feedback, name, text[:length])  # JSON text of a number or flag, as PostgreSQL's ->> gives it


class RollupKey(models.Model):
    """The dimensions every rollup is counted by, so one report filter selects rows of either rollup alike."""

    day = models.DateField()
    kind = models.CharField(max_length=8)
    survey_id = models.BigIntegerField(default=0, help_text=_("0 when the feedback has no survey."))
    source = models.CharField(max_length=10)
    language = models.CharField(max_length=10, blank=True)
    plan = models.CharField(max_length=REPORTED_ATTRIBUTES["plan"], blank=True)
    region = models.CharField(max_length=REPORTED_ATTRIBUTES["region"], blank=True)
    product = models.CharField(max_length=REPORTED_ATTRIBUTES["product"], blank=True)
    platform = models.CharField(max_length=50, blank=True)
    lifecycle_stage = models.CharField(max_length=12, blank=True)

    class Meta:
        abstract = True


class FeedbackRollup(RollupKey):
    """Counts of feedback per day and dimension, so reports never scan raw feedback.

    Rebuilt per touched day by reviews/rollups.py; one row per combination of
    dimensions that occurred that day. The per-score counts let every metric
    (NPS, top-2-box, means, distributions) and its interval be computed from here.
    """

    scale_max = models.PositiveSmallIntegerField()
    n = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    score_sum = models.PositiveBigIntegerField(default=0)
    # Count per raw score (every scale fits in 0..10): distributions and top-2-box.
    s0 = models.PositiveIntegerField(default=0)
    s1 = models.PositiveIntegerField(default=0)
    s2 = models.PositiveIntegerField(default=0)
    s3 = models.PositiveIntegerField(default=0)
    s4 = models.PositiveIntegerField(default=0)
    s5 = models.PositiveIntegerField(default=0)
    s6 = models.PositiveIntegerField(default=0)
    s7 = models.PositiveIntegerField(default=0)
    s8 = models.PositiveIntegerField(default=0)
    s9 = models.PositiveIntegerField(default=0)
    s10 = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "day"], name="rollup_kind_day_idx")]

    def __str__(self):
        return f"{self.day} {self.kind} n={self.n}"


class RollupState(models.Model):
    """How far the rollups have caught up: feedback updated after this moment is not in them yet."""

    name = models.CharField(max_length=30, unique=True)
    watermark = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.watermark}"


class TopicRollup(RollupKey):
    """Feedback counted per topic and segment on the same dimensions as FeedbackRollup: minefields, wow moments
    and the topic breakdown follow every report filter without raw scans."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=10)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "day"], name="topic_rollup_kind_day_idx")]

    def __str__(self):
        return f"{self.day} {self.topic_id} {self.segment}: {self.n}"


class ImportJob(models.Model):
    """A review file imported in the background; its progress survives a reload of the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    filename = models.CharField(max_length=255)
    data = models.BinaryField(help_text=_("The uploaded file, kept in the database so any worker can read it."))
    platform = models.CharField(max_length=50)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A running import touches this with every chunk it saves: one silent for long has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # A CSV's encoding as the user picked it on the form ("detect" unless they knew better); once the
    # import is done, the encoding the file was read in.
    encoding = models.CharField(max_length=20, default="detect")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("import_reviews", "Can import reviews from files")]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def existing(self) -> int:
        """Rows of a finished import that were there already (imported before, or twice in the file)."""
        return max(0, self.done - self.failed - self.created)

    @property
    def encoding_name(self) -> str:
        from feedback_platform.textfiles import ENCODINGS

        return str(ENCODINGS.get(self.encoding.replace("utf-8-sig", "utf-8"), self.encoding))

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)

    @property
    def seconds_left(self) -> float | None:
        if not self.started_at or not self.done or self.status != self.Status.RUNNING:
            return None
        elapsed = (timezone.now() - self.started_at).total_seconds()
        return elapsed / self.done * (self.total - self.done)


class CorrectionKind(models.TextChoices):
    SENTIMENT = "sentiment", _("Sentiment")
    CHURN = "churn", _("Churn intent")
    TOPIC_ADDED = "topic_added", _("Topic added")
    TOPIC_REMOVED = "topic_removed", _("Topic removed")


class LabelCorrection(models.Model):
    """A person's correction of one label of one feedback (reviews.corrections): who, when, from what to what.

    Append-only history; the latest correction per feedback and field is what the feedback shows and what
    the next model trains on. `model_version` is the classifier version that made the old label, when known.
    """

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=14, choices=CorrectionKind.choices)
    old_value = models.CharField(max_length=50, blank=True)
    new_value = models.CharField(max_length=50, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text=_("The feedback's language when corrected."))
    corrected_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, related_name="+")
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-corrected_at", "-pk"]
        permissions = [("correct_labels", "Can correct the labels of the feedback they see")]
        indexes = [
            models.Index(fields=["feedback", "kind"], name="correction_feedback_kind_idx"),
            models.Index(fields=["corrected_at"], name="correction_at_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.old_value}→{self.new_value}"


class ClassifierModel(models.Model):
    """One build of the learned classifiers (reviews.training), stored whole in the database so every machine
    reads the same one: plain arrays (numpy .npz, no pickles) in `weights`, their vocabulary-free parameters
    in `parameters`, and the cross-validated and held-out figures it was judged by. The newest active row is
    what the product uses (reviews.classify.learned.active_model)."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the training rows and configuration
    figures = models.JSONField(default=dict)
    parameters = models.JSONField(default=dict)
    weights = models.BinaryField()
    is_active = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"classifier v{self.version}"
