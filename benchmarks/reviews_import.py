"""Importing 1,000,000 reviews from CSV into PostgreSQL, against a bare COPY of the same rows;
the API batch path; and how fast the text is classified afterwards, per language.

Usage: .venv/bin/python benchmarks/reviews_import.py [--rows 1000000] [--classify 6000] [--texts 2000] [--api 20]
"""

import argparse
import csv
import io
import random
import time
from pathlib import Path

from _setup import setup_django

COMMENTS = {
    "en": [
        "Parcel arrived late and the box was damaged",
        "Great quality, fast delivery",
        "Refund never arrived!!",
        "Support was very helpful",
        "Too expensive for what it is",
    ],
    "zh-hans": [
        "快递太慢了，包装破损",
        "质量很好，发货很快",
        "客服很耐心，问题解决了",
        "价格太贵了，准备换别家",
        "退款一直没到",
    ],
    "ja": [
        "配送が遅く、箱が潰れていました",
        "品質が良く、配送も早かった",
        "サポートがとても親切でした",
        "返金がまだです",
        "値段が高すぎます",
    ],
}


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(3)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "rating", "review", "author", "product", "date"])
        for i in range(rows):
            language = ("en", "zh-hans", "ja")[i % 3]
            writer.writerow(
                [
                    f"r{i}",
                    rng.randint(1, 5),
                    rng.choice(COMMENTS[language]),
                    f"user{i % 50000}",
                    f"SKU-{i % 500}",
                    f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00+00:00",
                ]
            )


def index_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'reviews_feedback'")
        return cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classify", type=int, default=6000, help="comments per language to classify and time")
    parser.add_argument("--texts", type=int, default=2000, help="comments per language to classify as text only")
    parser.add_argument("--api", type=int, default=20, help="API batches of 1,000 to send")
    args = parser.parse_args()
    setup_django(database="bench_import", redis_db=8, extra_env={"LOG_LEVEL": "WARNING"})
    from django.db import connection

    from reviews.imports import import_reviews
    from reviews.ingest import classify_stored
    from reviews.models import Feedback

    path = Path(f"/tmp/bench-reviews-{args.rows}.csv")
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

    from reviews.classify import classify_text
    from reviews.training import ensure_model

    # The pipeline labels with the learned model as the product does; a database without one gets one built
    # (no cross-validation: seconds).
    built = ensure_model(folds=0)
    print("learned model: " + (f"built, version {built.version}" if built else "the active one"))
    for language in ("en", "zh-hans", "ja"):
        texts = (COMMENTS[language] * (args.texts // len(COMMENTS[language]) + 1))[: args.texts]
        classify_text(texts[0], language)  # load the language's libraries first
        started = time.perf_counter()
        for text in texts:
            classify_text(text, language)
        print(f"text only  {language:<8} {len(texts) / (time.perf_counter() - started):8,.0f} comments/s")
    total_estimate = 0.0
    for language in ("en", "zh-hans", "ja"):
        ids = list(
            Feedback.objects.filter(classified_at__isnull=True, comment__in=COMMENTS[language]).values_list(
                "pk", flat=True
            )[: args.classify]
        )
        started = time.perf_counter()
        for start in range(0, len(ids), 500):
            classify_stored(ids[start : start + 500])
        rate = len(ids) / max(time.perf_counter() - started, 1e-9)
        total_estimate += (args.rows / 3) / rate if ids else 0
        print(f"pipeline   {language:<8} {rate:8,.0f} comments/s ({len(ids):,} measured: labels, suspicion, rules)")
    print(
        f"all {args.rows:,} classified with one worker: about {total_estimate / 60:.0f} min "
        "(measured rates, one third of the rows per language)"
    )

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    admin, _ = get_user_model().objects.get_or_create(username="bench-admin")
    admin.groups.add(Group.objects.get(name="Admin"))
    # An integration calls the API with a token (an admin's session would first be asked for a second factor).
    token, _ = Token.objects.get_or_create(user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    rng = random.Random(9)
    started = time.perf_counter()
    for batch in range(args.api):
        items = [
            {
                "external_id": f"api-{batch}-{i}",
                "kind": "star",
                "score": rng.randint(1, 5),
                "comment": rng.choice(COMMENTS[("en", "zh-hans", "ja")[i % 3]]),
            }
            for i in range(1000)
        ]
        response = client.post("/api/v1/feedback/", items, content_type="application/json")
        assert response.status_code == 201, response.content[:200]
    api_seconds = time.perf_counter() - started
    print(f"API batches of 1,000 (segments now, text in the background): {args.api * 1000 / api_seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
