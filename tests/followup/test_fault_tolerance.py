"""The loop under faults, with real workers on the real Redis: 200 detractor answers while the worker is
SIGKILLed and restarted and Redis restarts; answers during a broker outage; a worker killed in the middle of
an API batch; a bulk import queued ahead of a detractor. Each ends with exactly one case and one apology per
detractor."""

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from feedback_platform.celery import app as celery_app
from followup.models import Case, OutboxEmail, OutboxStatus
from reviews.models import Feedback, Source
from reviews.tasks import classify_feedback_task
from surveys.models import Answer, Contact, Invitation
from surveys.services import invite_contact, record_answer
from tests.conftest import wait_for
from tests.factories import ContactFactory, SurveyFactory, UserFactory
from tests.surveys.helpers import sent_invitation

ANSWERS = 200
INVITED = ANSWERS // 2
BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """A Celery worker we can SIGKILL and restart, and one beat that keeps publishing the relay and the sweeps."""

    def __init__(self, env, tmp_path, queues="delivery,customer,bulk"):
        self.env, self.tmp_path, self.worker, self.kills, self.queues = env, tmp_path, None, 0, queues
        self.others: list[subprocess.Popen] = []
        self.beat = self._spawn(["beat", "--schedule", str(tmp_path / "beat-schedule")], "beat.log")

    def _spawn(self, args, log_name):
        log = open(self.tmp_path / log_name, "ab")  # noqa: SIM115 - closed with the process
        command = [sys.executable, "-m", "celery", "-A", "feedback_platform", *args, "--loglevel=WARNING"]
        return subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603

    def start_worker(self):
        self.worker = self._spawn(
            ["worker", "--pool=solo", "-Q", self.queues, "-n", f"fault{self.kills}@%h"], "worker.log"
        )

    def start_bulk_worker(self):
        self.others.append(self._spawn(["worker", "--pool=solo", "-Q", "bulk", "-n", "bulk@%h"], "bulk.log"))

    def kill_worker(self):
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        self.kills += 1

    def stop(self):
        for process in (self.worker, self.beat, *self.others):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def stop_redis():
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False, capture_output=True)  # noqa: S607
    time.sleep(0.5)


def start_redis():
    subprocess.run(  # noqa: S603
        [
            shutil.which("redis-server"),
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    wait_for(lambda: subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True).stdout.strip() == b"PONG")  # noqa: S607


def restart_redis():
    stop_redis()
    start_redis()


@pytest.fixture
def fault_env(smtp_sink):
    """The environment of real worker and beat processes: PostgreSQL, the local Redis, the SMTP sink, and
    relays and sweeps every few seconds; the test process publishes to the real broker (no eager tasks)."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL.startswith("redis://127.0.0.1:6379"):
        pytest.skip("needs PostgreSQL and the local Redis on 6379 (CI sets both)")
    celery_app.conf.task_always_eager = False
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
        "OUTBOX_RELAY_AFTER_SECONDS": "3",
        "OUTBOX_RELAY_EVERY_SECONDS": "2",
        "SWEEP_AFTER_SECONDS": "3",
        "SWEEP_EVERY_SECONDS": "2",
        "ESCALATION_SWEEP_EVERY_SECONDS": "3600",
    }


def one_apology_and_one_case_each(smtp_sink, detractors: int, timeout: float = 180) -> None:
    wait_for(
        lambda: (
            OutboxEmail.objects.filter(status=OutboxStatus.SENT, idempotency_key__startswith="apology:").count()
            == detractors
        ),
        timeout=timeout,
        interval=1,
    )
    apologies = [message_from_bytes(m.content) for m in smtp_sink.messages]
    apologies = [m for m in apologies if (m["X-Idempotency-Key"] or "").startswith("apology:")]
    # The customers' cases (imported reviews classified meanwhile open theirs too, but send no email).
    assert Case.objects.exclude(feedback__source=Source.IMPORT).count() == detractors
    assert OutboxEmail.objects.filter(idempotency_key__startswith="apology:").count() == detractors
    assert len({m["Message-ID"] for m in apologies}) == detractors
    assert len({m["To"] for m in apologies}) == detractors


@pytest.mark.django_db(transaction=True)
def test_answers_during_a_broker_outage_return_200_and_their_loop_closes_after_it(
    fault_env, smtp_sink, client, tmp_path
):
    survey = SurveyFactory()
    links = [sent_invitation(survey=survey, contact=ContactFactory())[1] for _ in range(30)]
    stop_redis()
    try:
        statuses = [
            client.post(f"/s/{token}/", {"score": 4, "comment": "Still waiting"}).status_code for token in links
        ]
    finally:
        start_redis()
    assert statuses == [200] * 30  # the answers committed: a lost publish is the sweep's to make up
    assert Answer.objects.count() == 30 and not Feedback.objects.exists()
    processes = Processes(fault_env, tmp_path)
    processes.start_worker()
    try:
        one_apology_and_one_case_each(smtp_sink, 30, timeout=120)
    finally:
        processes.stop()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_an_api_batch_loses_no_detractor(fault_env, smtp_sink, client, tmp_path):
    # A full batch of detractors takes the worker several seconds to classify in one transaction.
    items = [
        {"external_id": f"o-{i}", "kind": "nps", "score": i % 7, "comment": "Broken on arrival", "contact_email": email}
        for i, email in enumerate(f"c{i}@example.com" for i in range(1000))
    ]
    Contact.objects.bulk_create(
        Contact(email=item["contact_email"], name=f"Customer {i}") for i, item in enumerate(items)
    )
    processes = Processes(fault_env, tmp_path)
    processes.start_worker()
    try:
        client.force_login(UserFactory(role="Admin", is_staff=True))
        assert client.post("/api/v1/feedback/", items, content_type="application/json").status_code == 201
        time.sleep(1.5)
        processes.kill_worker()  # mid-batch: its message waits for Redis's visibility timeout (an hour)
        assert Feedback.objects.filter(classified_at__isnull=True).count() == 1000  # nothing of it committed
        processes.start_worker()
        one_apology_and_one_case_each(smtp_sink, 1000, timeout=240)
    finally:
        processes.stop()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_queued_ahead_never_delays_a_detractors_apology(fault_env, smtp_sink, tmp_path):
    imported = Feedback.objects.bulk_create(
        Feedback(
            source=Source.IMPORT,
            external_id=f"r-{i}",
            platform="tmall",
            kind="star",
            scale_min=1,
            scale_max=5,
            score=1 + i % 5,
            comment=["Box was crushed", "快递太慢了", "とても良い"][i % 3],
        )
        for i in range(6000)
    )
    ids = [row.pk for row in imported]
    for start in range(0, len(ids), 500):
        classify_feedback_task.apply_async(args=(ids[start : start + 500],), queue="bulk")
    processes = Processes(fault_env, tmp_path, queues="delivery,customer")
    processes.start_bulk_worker()
    processes.start_worker()
    try:
        invitation, _ = sent_invitation(survey=SurveyFactory(), contact=ContactFactory())
        answered = time.monotonic()
        record_answer(invitation=invitation, score=1, comment="Never again")
        one_apology_and_one_case_each(smtp_sink, 1, timeout=60)
        waited = time.monotonic() - answered
        backlog = Feedback.objects.filter(source=Source.IMPORT, classified_at__isnull=True).count()
        print(f"\nbulk ahead: apology sent {waited:.1f} s after the answer, {backlog} imported rows still waiting")
        assert backlog > 0  # the import was still being worked on: the apology did not wait for it
    finally:
        processes.stop()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_every_detractor_gets_exactly_one_apology_and_one_case_through_kills_and_a_redis_restart(
    fault_env, smtp_sink, tmp_path
):
    env = fault_env
    survey = SurveyFactory()
    invitations = [sent_invitation(survey=survey, contact=ContactFactory())[0] for _ in range(ANSWERS)]
    # Fresh contacts invited while the worker is being killed: each must receive its invitation once.
    newcomers = ContactFactory.create_batch(INVITED)
    processes = Processes(env, tmp_path)
    processes.start_worker()
    rng = random.Random(7)
    done = threading.Event()

    def chaos():
        redis_restarted = False
        while not done.is_set():
            time.sleep(rng.uniform(1.0, 3.0))
            processes.kill_worker()
            if not redis_restarted and processes.kills == 3:
                restart_redis()
                redis_restarted = True
            processes.start_worker()

    chaos_thread = threading.Thread(target=chaos)
    try:
        chaos_thread.start()
        for n, invitation in enumerate(invitations):
            record_answer(invitation=invitation, score=rng.randrange(0, 7), comment="Not good enough")
            if n % 2 == 0:
                invite_contact(survey=SurveyFactory(throttle_days=0), contact=newcomers[n // 2])
            time.sleep(rng.uniform(0.02, 0.12))
        done.set()
        chaos_thread.join()
        sent = wait_for(
            lambda: (
                OutboxEmail.objects.filter(status=OutboxStatus.SENT, idempotency_key__startswith="apology:").count()
                == ANSWERS
            ),
            timeout=180,
            interval=1,
        )
        wait_for(lambda: Invitation.objects.filter(contact__in=newcomers, status="sent").count() == INVITED, 180, 1)
    finally:
        done.set()
        processes.stop()
        connection.close()

    mails = [message_from_bytes(m.content) for m in smtp_sink.messages]
    invited = [m for m in mails if (m["Message-ID"] or "").startswith("<invitation-")]
    emails = {contact.email for contact in newcomers}
    print(
        f"\nfault test: {INVITED} invitations, smtp deliveries={len(invited)} "
        f"distinct Message-IDs={len({m['Message-ID'] for m in invited})}"
    )
    # One invitation per contact; a message the worker died sending goes again with the same Message-ID.
    assert {m["To"] for m in invited} == emails
    assert len({m["Message-ID"] for m in invited}) == INVITED

    apologies = [message_from_bytes(m.content) for m in smtp_sink.messages]
    apologies = [m for m in apologies if (m["X-Idempotency-Key"] or "").startswith("apology:")]
    distinct = {m["Message-ID"] for m in apologies}
    apology_rows = OutboxEmail.objects.filter(idempotency_key__startswith="apology:")
    print(
        f"\nfault test: {ANSWERS} answers, worker SIGKILLed {processes.kills} times, Redis restarted once; "
        f"cases={Case.objects.count()} apology rows={apology_rows.count()} all sent={sent} "
        f"smtp deliveries={len(apologies)} distinct apology Message-IDs={len(distinct)}"
    )
    assert processes.kills >= 3
    assert Case.objects.count() == ANSWERS
    assert apology_rows.count() == ANSWERS
    assert len(distinct) == ANSWERS
    recipients = {m["To"] for m in apologies}
    assert len(recipients) == ANSWERS
