"""Survey invitations, in one run: (a) the time to create 10,000 of them (throttle, suppression and archive checks
included), (b) Django's own `send_messages` batch rate to an aiosmtpd sink on loopback, (c) the product's rate
sending them through a real Celery worker to the same kind of sink, end to end, and (c) / (b).

Usage: .venv/bin/python benchmarks/surveys_send.py [--invitations 10000] [--concurrency 2]
"""

import argparse
import socket
import subprocess
import sys
import threading
import time

from _setup import BASE_DIR, check_alive, settle, setup_django
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """Counts the messages it accepts, and when the first and the last arrived."""

    def __init__(self):
        self.count = 0
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"

    def reset(self):
        with self.lock:
            self.count, self.first, self.last = 0, None, None


def load(invitations: int):
    """`invitations` contacts to invite, and around them what the checks must look at: 1% more archived (left
    out), 1% suppressed and 1% asked by another survey last week (skipped), a throttle of 30 days."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from surveys.models import Contact, Invitation, InvitationStatus, Send, Suppression, Survey

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE surveys_reminder, surveys_invitation, surveys_send, surveys_contact, surveys_suppression CASCADE"
        )
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [
            Contact(email=f"reader{i}@example.com", name=f"Reader {i}", language=("en", "zh-hans", "ja")[i % 3])
            for i in range(invitations)
        ]
        + [Contact(email=f"gone{i}@example.com", archived_at=now) for i in range(invitations // 100)],
        batch_size=2000,
    )
    Suppression.objects.bulk_create(
        [Suppression(email=f"READER{i}@example.com", reason="unsubscribed") for i in range(2, invitations, 100)]
    )
    earlier, _ = Survey.objects.get_or_create(name="Bench earlier", defaults={"status": "active"})
    asked = Invitation.objects.bulk_create(
        [Invitation(survey=earlier, contact=c, status=InvitationStatus.SENT) for c in contacts[3:invitations:100]]
    )
    Invitation.objects.filter(pk__in=[i.pk for i in asked]).update(created_at=now - timedelta(days=7))
    survey, _ = Survey.objects.update_or_create(name="Bench send", defaults={"status": "active", "throttle_days": None})
    return Send.objects.create(survey=survey)


def django_batch_rate(port: int, count: int, sink: Sink) -> float:
    """Django's own batch: `count` messages like the product's (one rendered invitation, each to its own
    address), built beforehand, sent with one `send_messages` over one connection."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    from surveys.emails import render_invitation
    from surveys.models import Contact, Invitation, Survey

    invitation = Invitation(survey=Survey.objects.get(name="Bench send"), contact=Contact.objects.first())
    email = render_invitation(invitation, "x" * 43)
    messages = []
    for i in range(count):
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.text, to=[f"baseline{i}@example.com"], headers=email.headers
        )
        message.attach_alternative(email.html, "text/html")
        messages.append(message)
    sink.reset()
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port, use_tls=False, use_ssl=False
    )
    started = time.perf_counter()
    connection.send_messages(messages)
    seconds = time.perf_counter() - started
    assert sink.count == count, sink.count
    return count / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = setup_django(
        database="bench_surveys",
        redis_db=9,
        extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{controller.port}", "LOG_LEVEL": "WARNING"},
    )
    send = load(args.invitations)
    baseline = django_batch_rate(controller.port, args.invitations, sink)
    sink.reset()
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
            "-Q",
            "delivery,customer",
            f"--concurrency={args.concurrency}",
            "--loglevel=WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        settle(worker, 5, "the Celery worker")
        from surveys.models import Invitation, InvitationStatus
        from surveys.sending import run_send

        started = time.perf_counter()
        made = run_send(send_id=send.pk)  # committed batches; the worker sends each while the next is made
        created_seconds = time.perf_counter() - started
        to_send = Invitation.objects.filter(send=send, status__in=["queued", "inflight", "sent"]).count()
        deadline = time.time() + 900
        while sink.count < to_send and time.time() < deadline:
            check_alive(worker, "the Celery worker")
            time.sleep(0.2)
        total = (sink.last or time.perf_counter()) - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        controller.stop()
    from django.db.models import Count

    statuses = dict(Invitation.objects.filter(send=send).values_list("status").annotate(n=Count("pk")))
    skipped = statuses.get(InvitationStatus.SKIPPED, 0)
    product = sink.count / total if total else 0.0
    sending_only = (sink.count - 1) / (sink.last - sink.first) if sink.count > 1 else 0.0
    print(f"(a) {made:,} invitations created in {created_seconds:.2f} s ({made / created_seconds:,.0f}/s)")
    print(f"    checks included: {skipped:,} skipped (suppressed, archived, throttled); statuses {statuses}")
    print(f"(b) Django send_messages, one connection, {args.invitations:,} messages: {baseline:,.0f} msg/s")
    print(
        f"(c) the product, end to end (create + worker with {args.concurrency} processes + SMTP): {sink.count:,} of "
        f"{to_send:,} emails in {total:.1f} s = {product:,.0f} emails/s (sending alone: {sending_only:,.0f}/s)"
    )
    print(f"    (c) / (b) = {100 * product / baseline:.0f}% (target >= 50%)")


if __name__ == "__main__":
    main()
