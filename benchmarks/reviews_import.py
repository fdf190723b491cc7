"""Importing 1,000,000 reviews from CSV into PostgreSQL, against a bare COPY of the same rows;
the API batch path; and the background pipeline over the imported rows (labels, suspicion, rules, cases) as
one worker runs it, against its two floors measured on the same rows: the labels alone (no database) and a
bare batched UPDATE of the columns it writes.

The comments are the shipped corpus's (both splits, en / zh-hans / ja in turn), with stars that agree with
them: a third or so detractors, long and short texts, as an import brings them.

Usage: .venv/bin/python benchmarks/reviews_import.py [--rows 1000000] [--classify 6000] [--api 20]
(--classify: rows per language the pipeline is timed on; they are taken as one mixed stream)
"""

import argparse
import csv
import io
import random
import time
from pathlib import Path

from _setup import setup_django


def corpus_comments() -> dict[str, list[tuple[str, str]]]:
    """(comment, sentiment) of every shipped comment, both splits, per language: varied real-shaped text in
    three languages, not five short phrases."""
    from reviews import training_data

    return {
        language: [
            (row["text"], row["sentiment"])
            for split in ("train", "heldout")
            for row in training_data.load(language, split)
        ]
        for language in training_data.LANGUAGES
    }


RATING_OF = {"negative": (1, 2), "neutral": (3, 3), "positive": (4, 5)}  # the stars a comment like it comes with


def make_csv(path: Path, rows: int) -> None:
    """Rows in turn en, zh-hans, ja (review_id r<i>: language i % 3), comments from the corpus, stars that
    agree with the comment's sentiment, 50,000 authors and 500 products over a year."""
    rng, comments = random.Random(3), corpus_comments()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "rating", "review", "author", "product", "date"])
        for i in range(rows):
            comment, sentiment = rng.choice(comments[("en", "zh-hans", "ja")[i % 3]])
            writer.writerow(
                [
                    f"r{i}",
                    rng.randint(*RATING_OF[sentiment]),
                    comment,
                    f"user{i % 50000}",
                    f"SKU-{i % 500}",
                    f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00+00:00",
                ]
            )


def bare_label_update(rows: list[tuple[int, int]], labels: dict) -> None:
    """What the pipeline's write costs with no work around it: one UPDATE per row of the label columns, sent
    in one round trip, committed per batch. `rows`: (the row written, the pipeline row whose labels it gets,
    so the explanation is as large as the pipeline's)."""
    import json

    from django.db import connection, transaction
    from psycopg2.extras import execute_batch

    statement = (
        "UPDATE reviews_feedback SET sentiment_score = %s, sentiment_label = %s, tone = %s, churn_intent = %s, "
        "explanation = %s, updated_at = now() WHERE id = %s"
    )
    params = []
    for pk, labelled in rows:
        found = labels[labelled]
        params.append(
            (
                found.sentiment_score,
                found.sentiment_label,
                found.tone,
                found.churn_intent,
                json.dumps(found.explanation),
                pk,
            )
        )
    with transaction.atomic(), connection.cursor() as cursor:
        execute_batch(cursor.cursor, statement, params, page_size=len(params))


def index_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'reviews_feedback'")
        return cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classify", type=int, default=6000, help="comments per language to classify and time")
    parser.add_argument("--api", type=int, default=20, help="API batches of 1,000 to send")
    args = parser.parse_args()
    setup_django(database="bench_import", redis_db=8, extra_env={"LOG_LEVEL": "WARNING"})
    from django.db import connection

    from followup.models import Case
    from reviews.fastimport import AFTER_BULK_LOAD
    from reviews.imports import import_reviews
    from reviews.models import Feedback
    from reviews.tasks import CLASSIFY_BATCH, IMPORT_TASK_SIZE, classify_feedback_task

    path = Path(f"/tmp/bench-reviews-corpus-{args.rows}.csv")
    if not path.exists():
        partial = path.with_suffix(".partial")  # renamed when whole: a run stopped half-way leaves no short file
        make_csv(partial, args.rows)
        partial.rename(path)
    data = path.read_bytes()
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.0f} MB")

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (review_id text, rating int, review text, author text, product text, "
            "date timestamptz)"
        )
        started = time.perf_counter()
        cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(data))
        copy_seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
        cursor.execute("TRUNCATE reviews_feedback CASCADE")
        cursor.execute("CHECKPOINT")
    copy_rate = args.rows / copy_seconds
    print(f"bare COPY of the CSV into a plain table, no index: {copy_rate:10,.0f} rows/s ({copy_seconds:.1f} s)")

    started = time.perf_counter()
    report = import_reviews(
        data=data, filename=path.name, platform="bench"
    )  # the PostgreSQL fast path; text classified later
    import_seconds = time.perf_counter() - started
    import_rate = args.rows / import_seconds
    print(
        f"import (checks, segments, idempotent): {import_rate:10,.0f} rows/s ({import_seconds:.1f} s; "
        f"{report.created:,} new, {len(report.errors)} errors)"
    )
    # The same rows, finished, COPYed with no application work at all: into reviews_feedback itself, and
    # into a copy of it with only the two indexes any idempotent import needs (the id and the source's key).
    with connection.cursor() as cursor:
        stored = io.StringIO()
        cursor.copy_expert("COPY reviews_feedback TO STDOUT", stored)
        cursor.execute("TRUNCATE reviews_feedback CASCADE")
        cursor.execute(
            "DROP TABLE IF EXISTS bench_minimal; "
            "CREATE TABLE bench_minimal (LIKE reviews_feedback INCLUDING DEFAULTS); "
            "ALTER TABLE bench_minimal ADD PRIMARY KEY (id); "
            "CREATE UNIQUE INDEX ON bench_minimal (source, external_id) WHERE external_id IS NOT NULL"
        )
        rates = {}
        for table in ("reviews_feedback", "bench_minimal"):
            cursor.execute("CHECKPOINT")
            stored.seek(0)
            started = time.perf_counter()
            cursor.copy_expert(f"COPY {table} FROM STDIN", stored)
            rates[table] = report.created / (time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_minimal")
        cursor.execute(AFTER_BULK_LOAD)  # as the import left the table: the reload cleared it
    full, minimal = rates["reviews_feedback"], rates["bench_minimal"]
    print(f"COPY of the imported rows into reviews_feedback ({index_count()} indexes): {full:,.0f} rows/s")
    print(f"COPY of the imported rows into a table with only id + (source, external_id): {minimal:,.0f} rows/s")
    print(
        f"the import is {100 * import_rate / full:.0f}% of a bare COPY of the same rows into "
        f"reviews_feedback, {100 * import_rate / copy_rate:.1f}% of the plain-table COPY (whose ceiling for any table "
        f"with an idempotency key is {100 * minimal / copy_rate:.0f}%)"
    )
    started = time.perf_counter()
    again = import_reviews(data=data, filename=path.name, platform="bench")
    print(
        f"re-import:         {again.created} new, {again.existing:,} already there "
        f"({time.perf_counter() - started:.1f} s)"
    )

    from reviews.classify import warm_up
    from reviews.classify.learned import active_model
    from reviews.ingest import text_labels
    from reviews.models import Topic
    from reviews.training import ensure_model

    # The pipeline labels with the learned model as the product does; a database without one gets one built
    # (no cross-validation: seconds). Rows of the file are taken in its order: a mixed-language stream.
    built = ensure_model(folds=0)
    print("learned model: " + (f"built, version {built.version}" if built else "the active one"))
    active_model()  # loaded, with each language's segmenter and its caches warm, before any clock starts
    text_labels(list(Feedback.objects.order_by("-pk")[:1500]), [])
    warm_up()  # what a worker does when it starts (worker_init): the segmenters loaded, then frozen
    # The pipeline's rows as the import left them; the bare UPDATE writes the next as many (the same labels).
    unclassified = Feedback.objects.filter(classified_at__isnull=True).order_by("pk")
    stream = list(unclassified[: args.classify * 3])
    ids = [row.pk for row in stream]
    others = list(unclassified.values_list("pk", flat=True)[len(ids) : 2 * len(ids)])
    taxonomy = [(topic.slug, topic.keywords) for topic in Topic.objects.filter(is_active=True)]
    explanations = {}
    started = time.perf_counter()
    for start in range(0, len(stream), 500):
        explanations.update(text_labels(stream[start : start + 500], taxonomy))
    labels_rate = len(stream) / (time.perf_counter() - started)
    print(f"floor: labels and explanations alone, no database: {labels_rate:8,.0f} comments/s")
    started = time.perf_counter()
    for start in range(0, len(others), 500):
        bare_label_update(list(zip(others, ids, strict=False))[start : start + 500], explanations)
    update_rate = len(others) / (time.perf_counter() - started)
    print(f"floor: a bare batched UPDATE of the label columns:  {update_rate:8,.0f} comments/s")
    cases_before = Case.objects.count()
    started = time.perf_counter()
    for start in range(0, len(ids), IMPORT_TASK_SIZE):  # the tasks an import is split into, run as a worker does
        classify_feedback_task(ids[start : start + IMPORT_TASK_SIZE])
    rate = len(ids) / max(time.perf_counter() - started, 1e-9)
    opened = Case.objects.count() - cases_before
    print(
        f"pipeline, mixed stream: {rate:8,.0f} comments/s ({len(ids):,} measured in tasks of {IMPORT_TASK_SIZE:,}, "
        f"batches of {CLASSIFY_BATCH}: labels, suspicion, rules, {opened:,} cases opened; "
        f"{100 * rate / labels_rate:.0f}% of the labels alone; table of {Feedback.objects.count():,} feedback)"
    )
    print(f"all {args.rows:,} classified with one worker at this rate: about {args.rows / rate / 60:.0f} min")

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    admin, _ = get_user_model().objects.get_or_create(username="bench-admin")
    admin.groups.add(Group.objects.get(name="Admin"))
    # An integration calls the API with a token (an admin's session would first be asked for a second factor).
    token, _ = Token.objects.get_or_create(user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    rng, comments = random.Random(9), corpus_comments()
    started = time.perf_counter()
    for batch in range(args.api):
        items = [
            {
                "external_id": f"api-{batch}-{i}",
                "kind": "star",
                "score": rng.randint(1, 5),
                "comment": rng.choice(comments[("en", "zh-hans", "ja")[i % 3]])[0],
            }
            for i in range(1000)
        ]
        response = client.post("/api/v1/feedback/", items, content_type="application/json")
        assert response.status_code == 201, response.content[:200]
    api_seconds = time.perf_counter() - started
    print(f"API batches of 1,000 (segments now, text in the background): {args.api * 1000 / api_seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
