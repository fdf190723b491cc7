"""How long after a detractor's answer the apology leaves the outbox (p50/p99), while answers arrive at 50/s.

Realistic answers: scores spread as a real survey's (a third detractors, who each get an apology and a case;
passives and promoters get their thanks), comments in English, Chinese and Japanese. The answer is committed
first; ingestion, classification, rules, the case and the email run in one real Celery worker (the customer
queue) on Redis against PostgreSQL, sending to a real SMTP sink on loopback.
Usage: .venv/bin/python benchmarks/followup_apology_latency.py [--answers 1000] [--rate 50] [--concurrency 2]
"""

import argparse
import multiprocessing
import subprocess
import sys
import time

from _setup import BASE_DIR, check_alive, percentile, settle, setup_django
from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


PRODUCERS = 3
COMMENTS = [
    "The parcel arrived late and broken",
    "快递晚了五天，盒子还压坏了。",
    "サポートの返信が遅く、困っています。",
    "Great service, thanks!",
    "非常好用",
    "とても使いやすいです",
]


def realistic_score(n: int) -> int:
    """0-6, 7-8 and 9-10 in thirds, spread over the run."""
    return [n % 7, 7 + n % 2, 9 + n % 2][n % 3]


def produce(ids, k, step, started, interval):
    from django.db import connection

    from surveys.models import Invitation
    from surveys.services import record_answer

    for n in range(k, len(ids), step):
        pause = started + n * interval - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        invitation = Invitation.objects.select_related("survey", "contact").get(pk=ids[n])
        record_answer(invitation=invitation, score=realistic_score(n), comment=COMMENTS[n % len(COMMENTS)])
    connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="answers per second")
    parser.add_argument("--concurrency", type=int, default=2, help="processes of the one worker")
    args = parser.parse_args()

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=8465)
    controller.start()
    env = setup_django(
        database="bench_followup", redis_db=5, extra_env={"EMAIL_URL": "smtp://127.0.0.1:8465", "LOG_LEVEL": "WARNING"}
    )
    from django.db import connection
    from django.db.models import F

    from followup.models import Case, OutboxEmail
    from reviews.models import Feedback
    from surveys.models import Answer, Contact, Invitation, Survey
    from surveys.tokens import new_token

    # A clean slate for each run.
    OutboxEmail.objects.all().delete()
    Case.objects.all().delete()
    Feedback.objects.all().delete()
    Answer.objects.all().delete()
    Invitation.objects.all().delete()
    survey, _ = Survey.objects.get_or_create(name="Bench NPS", defaults={"status": "active"})
    invitations = []
    for i in range(args.answers):
        contact, _ = Contact.objects.get_or_create(email=f"bench{i}@example.com", defaults={"name": f"Bench {i}"})
        invitation = Invitation(survey=survey, contact=contact, status="sent")
        invitation.token_hash = new_token()[1]
        invitation.start_clock()
        invitation.save()
        invitations.append(invitation)

    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "feedback_platform", "purge", "-f"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
    )
    worker = subprocess.Popen(
        [
            *[sys.executable, "-m", "celery", "-A", "feedback_platform", "worker", "-Q", "delivery,customer"],
            *[f"--concurrency={args.concurrency}", "--loglevel=WARNING"],
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        settle(worker, 4, "the Celery worker")  # let the worker connect
        interval = 1 / args.rate
        started = time.perf_counter() + 1.0
        ids = [invitation.pk for invitation in invitations]
        connection.close()  # each producer process opens its own
        # Like web processes: three of them, each answer at its own moment (n / rate seconds in).
        producers = [
            multiprocessing.get_context("fork").Process(target=produce, args=(ids, k, PRODUCERS, started, interval))
            for k in range(PRODUCERS)
        ]
        for producer in producers:
            producer.start()
        for producer in producers:
            producer.join()
        sending_seconds = time.perf_counter() - started
        deadline = time.time() + 300
        detractors = sum(realistic_score(n) <= 6 for n in range(args.answers))
        apologies = OutboxEmail.objects.filter(status="sent", idempotency_key__startswith="apology:")
        while apologies.count() < detractors and time.time() < deadline:
            check_alive(worker, "the Celery worker")
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()

    rows = OutboxEmail.objects.filter(status="sent", idempotency_key__startswith="apology:").annotate(
        answered_at=F("case__feedback__received_at")
    )
    latencies = [(row.sent_at - row.answered_at).total_seconds() * 1000 for row in rows]
    if not latencies:
        sys.exit(f"no apology was sent for {args.answers} answers (SMTP sink received {sink.count})")
    print(
        f"answers: {args.answers} at {args.answers / sending_seconds:.1f}/s (target {args.rate}/s), "
        f"one worker of {args.concurrency} processes on the customer queue"
    )
    print(f"apologies sent: {len(latencies)}, SMTP sink received: {sink.count}")
    print(
        f"answer → apology sent: p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms, "
        f"max {max(latencies):.0f} ms"
    )


if __name__ == "__main__":
    main()
