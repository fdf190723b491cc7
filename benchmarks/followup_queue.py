"""The agent's queue page: server time p50/p99 with 20,000 open cases and 2,000,000 feedback rows.

Loads the rows with PostgreSQL COPY into its own database (once; later runs reuse them),
then times the queue view in-process (Django test client: the server's time, no network).
Usage: .venv/bin/python benchmarks/followup_queue.py [--feedback 2000000] [--cases 20000] [--requests 200]
"""

import argparse
import io
import json
import random
import secrets
import time
from datetime import timedelta

from _setup import percentile, setup_django


def copy_rows(cursor, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def load(feedback_rows: int, open_cases: int):
    from django.db import connection
    from django.utils import timezone

    from followup.models import Case, Team
    from reviews.models import Feedback

    loaded = Case.objects.exclude(segment="").count() >= open_cases
    if Feedback.objects.count() >= feedback_rows and loaded:
        return
    print(f"loading {feedback_rows:,} feedback rows and {open_cases:,} open cases…", flush=True)
    rng = random.Random(1)
    now = timezone.now()
    contacts = 100_000
    comments = ["Parcel arrived late", "快递太慢了", "配送が遅いです", "Great service", "Too expensive", "客服很耐心"]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE followup_caseevent, followup_outboxemail, followup_case, reviews_feedback CASCADE")
        cursor.execute("TRUNCATE surveys_contact CASCADE")
        copy_rows(
            cursor,
            "surveys_contact",
            ["id", "email", "name", "external_id", "language", "attributes", "created_at"],
            (
                (i, f"c{i}@example.com", f"Customer {i}", f"x{i}", "en", "{}", now.isoformat())
                for i in range(1, contacts + 1)
            ),
        )
        started = time.perf_counter()

        def feedback():
            for i in range(1, feedback_rows + 1):
                score = rng.randrange(0, 11)
                segment = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
                when = (now - timedelta(minutes=(feedback_rows - i) // 4)).isoformat()
                yield (
                    i,
                    "survey",
                    "nps",
                    0,
                    10,
                    score,
                    segment,
                    "",
                    rng.choice(comments),
                    "en",
                    when,
                    when,
                    when,
                    rng.randrange(1, contacts + 1),
                )

        copy_rows(
            cursor,
            "reviews_feedback",
            [
                "id",
                "source",
                "kind",
                "scale_min",
                "scale_max",
                "score",
                "segment",
                "segment_reason",
                "comment",
                "language",
                "received_at",
                "created_at",
                "updated_at",
                "contact_id",
            ],
            feedback(),
        )
        print(f"  feedback COPY: {feedback_rows / (time.perf_counter() - started):,.0f} rows/s", flush=True)
        cursor.execute(
            "SELECT f.id, f.contact_id, f.score, f.received_at, lower(c.name || ' ' || c.email || ' ' || f.comment) "
            "FROM reviews_feedback f JOIN surveys_contact c ON c.id = f.contact_id WHERE f.segment = 'detractor' "
            "ORDER BY f.id DESC LIMIT %s",
            [open_cases],
        )
        detractors = cursor.fetchall()
        team = Team.objects.get(is_default=True)
        copy_rows(
            cursor,
            "followup_case",
            [
                "feedback_id",
                "contact_id",
                "team_id",
                "status",
                "priority",
                "priority_factors",
                "opened_at",
                "first_response_due",
                "reply_token",
                "recovery_outcome",
                "resolution_summary",
                "segment",
                "kind",
                "language",
                "churn_intent",
                "search_text",
            ],
            (
                (
                    fid,
                    cid,
                    team.pk,
                    "new",
                    min(100, (6 - score) * 8 + rng.randrange(0, 30)),
                    json.dumps([{"factor": "score", "weight": (6 - score) * 8}]),
                    received.isoformat(),
                    (received + timedelta(hours=1)).isoformat(),
                    secrets.token_urlsafe(12),
                    "",
                    "",
                    "detractor",
                    "nps",
                    "en",
                    "",
                    text,
                )
                for fid, cid, score, received, text in detractors
            ),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('reviews_feedback', 'id'), max(id)) FROM reviews_feedback")
        cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_contact', 'id'), max(id)) FROM surveys_contact")
        cursor.execute("ANALYZE")


def time_requests(client, url, count):
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return durations


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--feedback", type=int, default=2_000_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django(database="bench_queue", redis_db=6, extra_env={"LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "testserver"})
    load(args.feedback, args.cases)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from followup.models import Case, Team
    from reviews.models import Feedback

    agent, _ = get_user_model().objects.get_or_create(username="bench-agent")
    agent.groups.add(Group.objects.get(name="Agent"))
    Team.objects.get(is_default=True).members.add(agent)
    manager, _ = get_user_model().objects.get_or_create(username="bench-manager")
    manager.groups.add(Group.objects.get(name="Manager"))
    print(f"data: {Feedback.objects.count():,} feedback rows, {Case.objects.open().count():,} open cases")
    for user, label in ((agent, "agent (team scope)"), (manager, "manager (all cases)")):
        client = Client()
        client.force_login(user)
        for query in ("", "?overdue=true", "?segment=detractor&q=late", "?page=50"):
            time_requests(client, f"/queue/{query}", 5)  # warm-up
            durations = time_requests(client, f"/queue/{query}", args.requests)
            print(
                f"{label:<20} /queue/{query:<28} p50 {percentile(durations, 50):6.1f} ms   "
                f"p99 {percentile(durations, 99):6.1f} ms"
            )


if __name__ == "__main__":
    main()
