"""The PostgreSQL fast path for large review imports: COPY into a staging table, then one
INSERT … ON CONFLICT DO NOTHING, so a re-import adds nothing and no row costs a query.

Rows are checked in Python first (bad ones go to the report); the text is classified
afterwards, in background batches (reviews.tasks.classify_feedback_task).
"""

import io
import json

from django.db import connection, transaction
from django.utils import timezone

from surveys.models import DEFAULT_SCALES, SurveyKind

from . import batch, thresholds
from .models import Source
from .segments import segment_for
from .suspicion import text_hash

COLUMNS = [
    "source",
    "external_id",
    "kind",
    "scale_min",
    "scale_max",
    "score",
    "segment",
    "segment_reason",
    "comment",
    "comment_hash",
    "language",
    "platform",
    "author_name",
    "review_url",
    "product_ref",
    "received_at",
    "explanation",
]
STAGING = """
CREATE TEMP TABLE import_staging (
    source varchar(10), external_id varchar(200), kind varchar(8), scale_min smallint, scale_max smallint,
    score smallint, segment varchar(10), segment_reason varchar(200), comment text, comment_hash varchar(64),
    language varchar(10),
    platform varchar(50), author_name varchar(200), review_url varchar(500), product_ref varchar(200),
    received_at timestamptz, explanation jsonb
) ON COMMIT DROP
"""
INSERT = f"""
INSERT INTO reviews_feedback ({", ".join(COLUMNS)}, sentiment_label, tone, churn_intent, is_suspicious,
    suspicion_score, lifecycle_stage, created_at, updated_at)
SELECT {", ".join(COLUMNS)}, '', '', 'none', false, 0, '', now(), now() FROM import_staging
ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING id
"""


def _escape(value) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def stage_rows(items: list[dict], *, platform: str, first_row: int, errors: list[dict]) -> tuple[io.StringIO, int]:
    """Check each item and write the good ones as COPY text; bad ones are appended to `errors`."""
    staged = 0
    buffer, limits = io.StringIO(), thresholds.current()
    now = timezone.now()
    for offset, item in enumerate(items):
        row_errors: dict = {}
        external_id = str(item.get("external_id") or "").strip()
        kind = item.get("kind") or SurveyKind.STAR
        if not external_id:
            row_errors["external_id"] = "required: it makes importing twice harmless"
        if kind not in SurveyKind.values:
            row_errors["kind"] = f"unknown kind {kind!r}"
            kind = SurveyKind.STAR
        low, high = DEFAULT_SCALES[kind]
        try:
            score = int(float(str(item.get("score", "")).strip()))
            if not low <= score <= high:
                row_errors["score"] = f"{score} is outside {low}..{high}"
        except ValueError:
            row_errors["score"] = "required, a number"
        when_errors: dict = {}
        received_at = batch.parse_when(item.get("received_at"), 0, when_errors) or now
        row_errors.update(when_errors.get(0, {}))
        if row_errors:
            errors.extend({"row": first_row + offset, "field": f, "reason": r} for f, r in row_errors.items())
            continue
        segment, reason = segment_for(kind, score, high, limits)
        extra = {k: item[k] for k in ("account_age_days", "remote") if k in item}
        comment = str(item.get("comment") or "").strip()[:10000]
        values = [
            Source.IMPORT,
            f"{platform}:{external_id}",
            kind,
            low,
            high,
            score,
            segment,
            reason,
            comment,
            text_hash(comment),
            "",
            platform[:50],
            str(item.get("author_name") or "")[:200],
            str(item.get("review_url") or "")[:500],
            str(item.get("product_ref") or "")[:200],
            received_at.isoformat(),
            json.dumps({"segment": reason, "import": extra}, ensure_ascii=False),
        ]
        buffer.write("\t".join(_escape(v) for v in values) + "\n")
        staged += 1
    buffer.seek(0)
    return buffer, staged


@transaction.atomic
def copy_rows(buffer: io.StringIO) -> list[int]:
    """COPY the staged rows and insert the new ones; returns the ids created."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_staging")  # a caller's transaction may still hold one
        cursor.execute(STAGING)
        cursor.copy_expert(f"COPY import_staging ({', '.join(COLUMNS)}) FROM STDIN", buffer)
        cursor.execute(INSERT)
        return [row[0] for row in cursor.fetchall()]
