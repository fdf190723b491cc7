"""Sending 10,000 survey invitations through the real Celery worker to a local SMTP sink: emails per second.

Usage: .venv/bin/python benchmarks/surveys_send.py [--invitations 10000] [--concurrency 2]
"""

import argparse
import subprocess
import sys
import time

from _setup import BASE_DIR, check_alive, settle, setup_django
from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=8466)
    controller.start()
    env = setup_django(
        database="bench_surveys", redis_db=9, extra_env={"EMAIL_URL": "smtp://127.0.0.1:8466", "LOG_LEVEL": "WARNING"}
    )
    from django.db import connection

    from surveys.models import Contact, Send, Survey

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE surveys_invitation, surveys_send, surveys_contact CASCADE")
    Contact.objects.bulk_create(
        [
            Contact(email=f"reader{i}@example.com", name=f"Reader {i}", language=("en", "zh-hans", "ja")[i % 3])
            for i in range(args.invitations)
        ],
        batch_size=2000,
    )
    survey, _ = Survey.objects.get_or_create(name="Bench send", defaults={"status": "active", "throttle_days": 0})
    send = Send.objects.create(survey=survey)
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "feedback_platform", "purge", "-f"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "feedback_platform",
            "worker",
            f"--concurrency={args.concurrency}",
            "--loglevel=WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        settle(worker, 5, "the Celery worker")
        from surveys.sending import run_send

        started = time.perf_counter()
        queued = run_send(send_id=send.pk)  # the batches; each invitation's email task runs on the worker
        queued_seconds = time.perf_counter() - started
        deadline = time.time() + 900
        while sink.count < queued and time.time() < deadline:
            check_alive(worker, "the Celery worker")
            time.sleep(0.5)
        total = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        controller.stop()
    print(f"{queued:,} invitations queued in {queued_seconds:.1f} s; {sink.count:,} emails received by the SMTP sink")
    print(
        f"through the worker ({args.concurrency} processes): {sink.count / total:,.0f} emails/s ({total:.0f} s in all)"
    )


if __name__ == "__main__":
    main()
