"""The weekly NPS trend for two years over 10,000,000 feedback rows: the report (from rollups)
against a bare SQL aggregate over the raw table, with and without a filter, in one run.

Usage: .venv/bin/python benchmarks/reviews_report.py [--rows 10000000] [--requests 100]
"""

import argparse
import time
from datetime import timedelta

from _setup import dataset_loaded, forget_dataset, percentile, remember_dataset, setup_django

RAW_SQL = """
SELECT date_trunc('week', received_at) AS week, count(*) AS n,
       count(*) FILTER (WHERE segment = 'promoter') AS promoters,
       count(*) FILTER (WHERE segment = 'detractor') AS detractors
FROM reviews_feedback
WHERE kind = 'nps' AND received_at >= %s AND received_at < %s {extra}
GROUP BY 1 ORDER BY 1
"""


# The shape of the loaded rows: bump it when load() changes, so an older data set is loaded again.
DATA_VERSION = 2


def load(rows: int):
    from django.db import connection

    from reviews.models import Feedback
    from surveys.models import Survey

    surveys = [Survey.objects.get_or_create(name=f"Bench survey {i}")[0].pk for i in range(5)]
    params = {"rows": rows, "version": DATA_VERSION}
    if dataset_loaded("report", params) and Feedback.objects.count() == rows:
        return surveys
    forget_dataset("report")
    print(f"loading {rows:,} feedback rows over two years…", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reviews_feedback, reviews_feedbackrollup, reviews_rollupstate CASCADE")
        # Survey answers without a comment, spread evenly over two years whatever the count, stored as
        # reviews.ingest stores them: segment and its reason, the normalised score, no text labels, classified.
        cursor.execute(
            """
            INSERT INTO reviews_feedback (source, kind, scale_min, scale_max, score, normalized_score, segment,
                segment_reason, comment, comment_hash, language, sentiment_label, tone, churn_intent, is_suspicious,
                suspicion_score, explanation, lifecycle_stage, platform, author_name, review_url, product_ref,
                received_at, classified_at, created_at, updated_at, survey_id)
            SELECT 'survey', 'nps', 0, 10, s, s / 10.0, segment, reason, '', '',
                   (ARRAY['en', 'zh-hans', 'ja'])[1 + i %% 3], '', '', 'none', false, 0,
                   jsonb_build_object('segment', reason), '', '', '', '', '',
                   received_at, received_at, received_at, received_at, (%s::bigint[])[1 + i %% 5]
            FROM (
                SELECT i, s, now() - (i::bigint * 730 * 1440 / %s) * interval '1 minute' AS received_at,
                       CASE WHEN s <= 6 THEN 'detractor' WHEN s <= 8 THEN 'passive' ELSE 'promoter' END AS segment,
                       'nps ' || s || '/10: detractor ≤6, passive ≤8' AS reason
                FROM (SELECT i, floor(random() * 11)::int AS s FROM generate_series(1, %s) AS i) AS scores
            ) AS generated
            """,
            [surveys, rows, rows],
        )
        cursor.execute("ANALYZE reviews_feedback")
    print(f"  inserted in {time.perf_counter() - started:.0f} s", flush=True)
    _rebuild()
    remember_dataset("report", params)
    return surveys


def _rebuild():
    from reviews import rollups

    started = time.perf_counter()
    rows_written = rollups.rebuild_all()
    print(f"  rollups rebuilt in {time.perf_counter() - started:.0f} s ({rows_written:,} rollup rows)", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    setup_django(database="bench_reports", redis_db=7, extra_env={"LOG_LEVEL": "WARNING"})
    surveys = load(args.rows)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from reviews.models import Feedback, FeedbackRollup

    manager, _ = get_user_model().objects.get_or_create(username="bench-manager")
    manager.groups.add(Group.objects.get(name="Manager"))
    client = Client()
    client.force_login(manager)
    today = timezone.localdate()
    start, end = today - timedelta(days=730), today
    print(f"data: {Feedback.objects.count():,} feedback rows, {FeedbackRollup.objects.count():,} rollup rows")
    cases = [
        ("no filter", "", ""),
        ("survey + language", f"&survey={surveys[2]}&language=ja", "AND survey_id = %s AND language = 'ja'"),
    ]
    for label, query, extra in cases:
        url = f"/api/v1/metrics/nps/?interval=week&from={start}&to={end}{query}"
        response = client.get(url)
        assert response.status_code == 200, response.content
        weeks = len(response.json()["points"])
        report = []
        for _ in range(args.requests):
            began = time.perf_counter()
            client.get(url)
            report.append((time.perf_counter() - began) * 1000)
        raw = []
        params = [start, end + timedelta(days=1)] + ([surveys[2]] if extra else [])
        for _ in range(5):
            began = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(RAW_SQL.format(extra=extra), params)
                raw_weeks = len(cursor.fetchall())
            raw.append((time.perf_counter() - began) * 1000)
        ratio = percentile(raw, 50) / percentile(report, 50)
        print(
            f"{label:<18} report (API, rollups): p50 {percentile(report, 50):6.1f} ms"
            f"  p99 {percentile(report, 99):6.1f} ms"
            f" ({weeks} weeks) | raw SQL aggregate: p50 {percentile(raw, 50):7.1f} ms ({raw_weeks} weeks)"
            f" | {f'{ratio:.0f}x faster' if ratio >= 1 else f'{1 / ratio:.1f}x slower'}"
        )


if __name__ == "__main__":
    main()
