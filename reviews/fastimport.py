"""The PostgreSQL fast paths for large review imports: COPY into a staging table, then
INSERT … ON CONFLICT DO NOTHING, so a re-import adds nothing and no row costs a query.

`copy_csv` checks a whole CSV in SQL and inserts it in committed slices; `stage_rows` and
`copy_rows` take rows already read and checked in Python (XLSX). The text is classified
afterwards, in background batches (reviews.tasks).
"""

import io
import json
from bisect import bisect_right
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from surveys.models import SurveyKind
from surveys.segments import current_thresholds, segment_for, thresholds_for

from .models import Source
from .rows import (
    DATE,
    EXTERNAL_ID_MAX,
    LONG_ID,
    MISSING_ID,
    NOT_A_NUMBER,
    NUMBER,
    TEXT_LIMITS,
    check_review_row,
    too_long,
)
from .suspicion import text_hash

COLUMNS = [
    "source",
    "external_id",
    "kind",
    "scale_min",
    "scale_max",
    "score",
    "normalized_score",
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
    score smallint, normalized_score double precision, segment varchar(10), segment_reason varchar(200),
    comment text, comment_hash varchar(64),
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
    buffer, limits = io.StringIO(), current_thresholds()
    now = timezone.now()
    for offset, item in enumerate(items):
        row, row_errors = check_review_row(item, now=now, thresholds=limits)
        if row is None:
            errors.extend({"row": first_row + offset, "field": f, "reason": r} for f, r in row_errors.items())
            continue
        kind, low, high, score = row.kind, row.scale_min, row.scale_max, row.score
        segment, reason = segment_for(kind, score, high, limits)
        extra = {k: item[k] for k in ("account_age_days", "remote") if k in item}
        comment = str(item.get("comment") or "").strip()
        values = [
            Source.IMPORT,
            f"{platform}:{row.external_id}",
            kind,
            low,
            high,
            score,
            round((score - low) / (high - low), 4),
            segment,
            reason,
            comment,
            text_hash(comment),
            "",
            platform[:50],
            str(item.get("author_name") or ""),
            str(item.get("review_url") or ""),
            str(item.get("product_ref") or ""),
            row.received_at.isoformat(),
            json.dumps({"segment": reason, "import": extra}, ensure_ascii=False),
        ]
        buffer.write("\t".join(_escape(v) for v in values) + "\n")
        staged += 1
    buffer.seek(0)
    return buffer, staged


@transaction.atomic
def copy_rows(*, buffer: io.StringIO) -> list[int]:
    """COPY the staged rows and insert the new ones; returns the ids created."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_staging")  # a caller's transaction may still hold one
        cursor.execute(STAGING)
        cursor.copy_expert(f"COPY import_staging ({', '.join(COLUMNS)}) FROM STDIN", buffer)
        cursor.execute(INSERT)
        return [row[0] for row in cursor.fetchall()]


ANALYZE_AFTER = 10_000  # rows; autovacuum would get there too, but only after the classification began
AFTER_BULK_LOAD = "VACUUM (ANALYZE) reviews_feedback"
SLICE = 100_000  # lines per INSERT: each slice commits and reports progress

# The whole CSV goes to PostgreSQL as it is; checks, segments and hashes are computed there, by the
# patterns and with the messages of reviews.rows.check_review_row (tests/reviews/test_row_checks.py).
_NUMBER, _DATE = NUMBER, DATE
SQL_FIELDS = [
    "external_id",
    "score",
    "comment",
    "author_name",
    "received_at",
    "product_ref",
    "review_url",
    "account_age_days",
    "remote",
]


@dataclass
class CopyResult:
    rows: int  # data rows in the file
    created: int
    id_ranges: list[tuple[int, int]]  # the new rows' ids, first..last, one range per slice
    errors: list[dict]


def copy_csv(text: str, columns: dict[int, str], width: int, *, platform: str, progress=None) -> CopyResult:
    """Import a whole decoded CSV through COPY; rows failing a check are reported, not stored.

    The checks run over the whole file first; then the rows go in slices that each commit (inside a
    caller's transaction they are savepoints), so a page shows progress as they land; a slice that fails
    leaves the earlier ones in place, and importing the file again adds only what is missing.
    Only for star ratings without contact matching (the common review-site export);
    the caller uses the row-by-row path otherwise.
    """
    names = {field: f"c{index}" for index, field in columns.items()}

    def col(field):
        return f"btrim({names[field]})" if field in names else "NULL"

    detractor_max, passive_max = thresholds_for(SurveyKind.STAR, 5)
    score = f"round({col('score')}::numeric)::int"
    date = col("received_at")
    valid_id = f"coalesce({col('external_id')}, '') <> ''"
    valid_score = f"coalesce({col('score')}, '') ~ '{_NUMBER}' AND {score} BETWEEN 1 AND 5"
    # CASE keeps the order: the day is compared with the month's length only once the pattern matched.
    valid_date = f"""coalesce({date}, '') = '' OR CASE WHEN {date} ~ '{_DATE}' THEN
        substr({date}, 9, 2)::int <= extract(day from make_date(substr({date}, 1, 4)::int,
            substr({date}, 6, 2)::int, 1) + interval '1 month - 1 day')
        ELSE false END"""
    normal = f"lower(regexp_replace(coalesce({col('comment')}, ''), '\\s+', ' ', 'g'))"
    raw_columns = ", ".join(f"c{i} text" for i in range(width))
    length_checks = "".join(
        f"UNION ALL SELECT line, '{name}', %({name}_long)s FROM import_raw WHERE length({col(name)}) > %({name}_max)s\n"
        for name in TEXT_LIMITS
        if name in names
    )
    insert = f"""
        WITH created AS (
        INSERT INTO reviews_feedback ({", ".join(COLUMNS)}, sentiment_label, tone, churn_intent, is_suspicious,
            suspicion_score, lifecycle_stage, created_at, updated_at)
        SELECT 'import', %(platform)s || ':' || {col("external_id")}, 'star', 1, 5, s, (s - 1) / 4.0,
            -- surveys.segments.segment_for and segment_reason, repeated (tests/reviews/test_segment_sql.py)
            CASE WHEN s <= %(d)s THEN 'detractor' WHEN s <= %(p)s THEN 'passive' ELSE 'promoter' END,
            'star ' || s || '/5: detractor ≤%(d)s, passive ≤%(p)s',
            coalesce({col("comment")}, ''),
            CASE WHEN length(n) >= 12 THEN encode(sha256(convert_to(n, 'UTF8')), 'hex') ELSE '' END,
            '', %(platform)s, coalesce({col("author_name")}, ''),
            coalesce({col("review_url")}, ''), coalesce({col("product_ref")}, ''),
            CASE WHEN coalesce({date}, '') = '' THEN now() ELSE {date}::timestamptz END,
            jsonb_build_object('segment', 'star ' || s || '/5: detractor ≤%(d)s, passive ≤%(p)s',
                'import', jsonb_strip_nulls(jsonb_build_object(
                    'account_age_days', {col("account_age_days")}, 'remote', {col("remote")}))),
            '', '', 'none', false, 0, '', now(), now()
        FROM (SELECT *, {score} AS s, {normal} AS n FROM import_raw raw
              WHERE raw.line > %(after)s AND raw.line <= %(upto)s
              AND NOT EXISTS (SELECT FROM import_errors e WHERE e.line = raw.line)) AS checked
        ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING id
        )
        SELECT count(*), min(id), max(id) FROM created
    """
    with connection.cursor() as cursor:
        with transaction.atomic():  # a failure here leaves no table behind and the connection usable
            cursor.execute("DROP TABLE IF EXISTS import_raw, import_errors")
            cursor.execute(f"CREATE TEMP TABLE import_raw (line bigserial PRIMARY KEY, {raw_columns})")
            cursor.copy_expert(
                f"COPY import_raw ({', '.join(f'c{i}' for i in range(width))}) "
                "FROM STDIN WITH (FORMAT csv, HEADER true)",
                io.StringIO(text),
            )
            rows = cursor.rowcount
            checks: dict[str, str | int] = {
                "missing_id": MISSING_ID,
                "not_a_number": NOT_A_NUMBER,
                "long_id": LONG_ID,
                "id_max": EXTERNAL_ID_MAX,
            }
            for name, limit in TEXT_LIMITS.items():
                checks |= {f"{name}_max": limit, f"{name}_long": too_long(limit)}
            # The checks run once: the inserts skip the lines they name instead of re-running them.
            cursor.execute(
                f"""
                CREATE TEMP TABLE import_errors AS
                SELECT line, 'external_id' AS field, %(missing_id)s AS reason
                FROM import_raw WHERE NOT ({valid_id})
                UNION ALL
                SELECT line, 'external_id', %(long_id)s FROM import_raw WHERE length({col("external_id")}) > %(id_max)s
                UNION ALL
                SELECT line, 'score', CASE WHEN coalesce({col("score")}, '') ~ '{_NUMBER}'
                    THEN {score} || ' is outside 1..5' ELSE %(not_a_number)s END FROM import_raw
                WHERE NOT ({valid_score})
                UNION ALL
                SELECT line, 'received_at', 'not a date: ' || quote_literal({date}) FROM import_raw
                WHERE NOT ({valid_date})
                {length_checks}
                """,
                checks,
            )
            cursor.execute("SELECT line + 1, field, reason FROM import_errors ORDER BY 1, 2")
            errors = [{"row": row, "field": field, "reason": reason} for row, field, reason in cursor.fetchall()]
        try:
            failed_lines = sorted({error["row"] - 1 for error in errors})
            created, ranges = 0, []
            for after in range(0, rows, SLICE):
                upto = min(rows, after + SLICE)
                params = {"platform": platform, "d": detractor_max, "p": passive_max, "after": after, "upto": upto}
                with transaction.atomic():
                    cursor.execute(insert, params)
                    count, first_id, last_id = cursor.fetchone()
                if count:
                    ranges.append((first_id, last_id))
                    created += count
                if progress:
                    progress(upto, rows, bisect_right(failed_lines, upto))
            if created >= ANALYZE_AFTER:
                # Fresh statistics for the background classification's lookups, which would otherwise plan
                # for the table as it was before (a bitmap scan over every row with the same text, say); and,
                # where no transaction forbids it, the new rows marked visible to all (VACUUM, as PostgreSQL
                # advises after a bulk load), so those lookups read the indexes alone, not every row's page.
                cursor.execute("ANALYZE reviews_feedback" if connection.in_atomic_block else AFTER_BULK_LOAD)
        finally:
            cursor.execute("DROP TABLE IF EXISTS import_raw, import_errors")
    return CopyResult(rows=rows, created=created, id_ranges=ranges, errors=errors)
