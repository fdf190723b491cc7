"""The agent's queue page: server time p50/p99 with 20,000 open cases and 2,000,000 feedback rows.

Loads the rows with PostgreSQL COPY into its own database (once; later runs with the same sizes reuse them),
then times the queue view in-process (Django test client: the server's time, no network).
Usage: .venv/bin/python benchmarks/followup_queue.py [--feedback 2000000] [--cases 20000] [--requests 200]
"""

import argparse
import json
import random
import secrets
import time
from datetime import timedelta

from _setup import copy_rows, dataset_loaded, forget_dataset, percentile, remember_dataset, setup_django

# The shape of the loaded rows: bump it when load() changes, so an older data set is loaded again.
DATA_VERSION = 2
COMMENTS = [
    ("Parcel arrived late", "en"),
    ("快递太慢了", "zh-hans"),
    ("配送が遅いです", "ja"),
    ("Great service", "en"),
    ("Too expensive", "en"),
    ("客服很耐心", "zh-hans"),
]


def load(feedback_rows: int, open_cases: int):
    from django.db import connection
    from django.utils import timezone

    from followup.models import Case, Team
    from reviews.classify import classify_text
    from reviews.models import Feedback, Topic
    from reviews.segments import segment_for
    from reviews.suspicion import text_hash
    from surveys.models import Survey

    params = {"feedback": feedback_rows, "cases": open_cases, "version": DATA_VERSION}
    if dataset_loaded("queue", params) and Feedback.objects.count() == feedback_rows:
        return
    forget_dataset("queue")
    print(f"loading {feedback_rows:,} feedback rows and {open_cases:,} open cases…", flush=True)
    rng = random.Random(1)
    now = timezone.now()
    contacts = min(100_000, max(1, feedback_rows // 20))
    survey, _ = Survey.objects.get_or_create(name="Bench NPS", defaults={"status": "active"})
    # Survey answers are classified as they arrive (reviews.ingest): each comment's labels, worked out once.
    segments = {score: segment_for("nps", score, 10) for score in range(11)}  # the segment and its reason
    labels, topics = {}, {}
    topic_ids = dict(Topic.objects.values_list("slug", "pk"))
    for comment, language in COMMENTS:
        found = classify_text(comment, language)
        labels[comment] = (
            found.sentiment_score,
            found.sentiment_label,
            found.tone,
            found.churn_intent,
            found.explanation,
            text_hash(comment),
        )
        topics[comment] = [topic_ids[slug] for slug in found.topics if slug in topic_ids]
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
                segment, reason = segments[score]
                comment, language = rng.choice(COMMENTS)
                sentiment_score, sentiment_label, tone, churn_intent, explanation, comment_hash = labels[comment]
                when = (now - timedelta(minutes=(feedback_rows - i) // 4)).isoformat()
                yield (
                    i,
                    "survey",
                    "nps",
                    0,
                    10,
                    score,
                    round(score / 10, 4),
                    segment,
                    reason,
                    comment,
                    comment_hash,
                    language,
                    sentiment_score,
                    sentiment_label,
                    tone,
                    churn_intent,
                    False,
                    0,
                    json.dumps({"segment": reason, **explanation}, ensure_ascii=False),
                    "",  # lifecycle_stage: the contacts have no customer_since
                    "",  # platform, author_name, review_url, product_ref: only imported reviews have them
                    "",
                    "",
                    "",
                    when,
                    when,
                    when,
                    when,
                    survey.pk,
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
                "normalized_score",
                "segment",
                "segment_reason",
                "comment",
                "comment_hash",
                "language",
                "sentiment_score",
                "sentiment_label",
                "tone",
                "churn_intent",
                "is_suspicious",
                "suspicion_score",
                "explanation",
                "lifecycle_stage",
                "platform",
                "author_name",
                "review_url",
                "product_ref",
                "received_at",
                "classified_at",
                "created_at",
                "updated_at",
                "survey_id",
                "contact_id",
            ],
            feedback(),
        )
        print(f"  feedback COPY: {feedback_rows / (time.perf_counter() - started):,.0f} rows/s", flush=True)
        pairs = [(comment, topic) for comment, found in topics.items() for topic in found]
        cursor.execute(
            "INSERT INTO reviews_feedback_topics (feedback_id, topic_id) SELECT f.id, m.topic FROM reviews_feedback f "
            "JOIN unnest(%s::text[], %s::bigint[]) AS m (comment, topic) ON m.comment = f.comment",
            [[comment for comment, _ in pairs], [topic for _, topic in pairs]],
        )
        # The labels a case copies from its feedback (followup.cases.copy_labels).
        cursor.execute(
            "SELECT f.id, f.contact_id, f.score, f.received_at, f.language, f.churn_intent, "
            "lower(c.name || ' ' || c.email || ' ' || f.comment) "
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
                "survey_id",
                "search_text",
                "ticket_system",
                "ticket_id",
                "ticket_url",
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
                    language,
                    churn_intent,
                    survey.pk,
                    text,
                    "",  # no helpdesk ticket
                    "",
                    "",
                )
                for fid, cid, score, received, language, churn_intent, text in detractors
            ),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('reviews_feedback', 'id'), max(id)) FROM reviews_feedback")
        cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_contact', 'id'), max(id)) FROM surveys_contact")
        cursor.execute("ANALYZE")
    if len(detractors) < open_cases:
        print(f"  only {len(detractors):,} detractors: {Case.objects.count():,} open cases", flush=True)
    remember_dataset("queue", params)


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
