"""`POST /s/<token>/` under gunicorn on PostgreSQL against a bare Django lookup-and-insert view, in one run.

Realistic answers: NPS scores spread as a real survey's (a third detractors), each answered as a customer
does it, a tap that saves the score (JSON) and then the comment (the thank-you page), comments in English,
Chinese and Japanese. The bare view (benchmarks/_bare_answer_urls.py) finds the invitation by its token and
inserts one row, through the same settings and middleware. Both servers: gunicorn with the same workers,
the same keep-alive clients, taking turns. The worker is not running, so the web figures are the web's alone.
Usage: .venv/bin/python benchmarks/surveys_answer_page.py [--requests 2000] [--clients 8] [--workers 2] [--rounds 4]
"""

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse

from _setup import BASE_DIR, percentile, settle, setup_django

PORT = 8471
#: Answers sent to each server before the timed ones, in every language.
WARM_UP = 60
LANGUAGES = ["en", "zh-hans", "ja"]
BARE_PORT = 8472
COMMENTS = {
    "detractor": [
        "Third time I've reported this bug. I'm done.",
        "快递晚了五天，盒子还压坏了。",
        "サポートの返信が遅く、困っています。",
        "Way too expensive for what it does, honestly.",
        "客服态度很差，问题一直没解决",
        "アプリがすぐ落ちます。改善してください。",
    ],
    "passive": ["It works, mostly.", "还可以，就是有点慢", "まあまあです。", "Fine, nothing special"],
    "promoter": ["Love it, support was super quick!", "非常好用，推荐给朋友了", "とても使いやすいです！", "Great"],
}


def realistic_score(rng: random.Random) -> tuple[int, str]:
    roll = rng.random()
    if roll < 1 / 3:
        return rng.randrange(0, 7), "detractor"
    if roll < 2 / 3:
        return rng.choice([7, 8]), "passive"
    return rng.choice([9, 10]), "promoter"


def run(port, requests, clients, headers):
    """Send the (path, body, accept) requests over `clients` keep-alive connections; (req/s, latencies ms)."""
    latencies, lock, index = [], threading.Lock(), iter(range(len(requests)))

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(index, None)
            if n is None:
                return
            path, body, accept = requests[n]
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers={**headers, "Accept": accept})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def in_turns(product, product_posts, bare, bare_posts, rounds):
    """Run both servers' POSTs in alternating slices; each side's overall (req/s, latencies)."""
    totals = {"product": [0.0, []], "bare": [0.0, []]}
    for turn in range(rounds):
        for side, send, posts in (("product", product, product_posts), ("bare", bare, bare_posts)):
            part = posts[turn * len(posts) // rounds : (turn + 1) * len(posts) // rounds]
            part_rate, part_latency = send(part)
            totals[side][0] += len(part) / part_rate
            totals[side][1] += part_latency
    (product_seconds, product_latency), (bare_seconds, bare_latency) = totals["product"], totals["bare"]
    return len(product_posts) / product_seconds, product_latency, len(bare_posts) / bare_seconds, bare_latency


def gunicorn(env, port, workers, settings_module):
    command = [sys.executable, "-m", "gunicorn", "django.core.wsgi:get_wsgi_application()"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"]
    server_env = {**env, "DJANGO_SETTINGS_MODULE": settings_module, "PYTHONPATH": f"{BASE_DIR}:{BASE_DIR}/benchmarks"}
    server = subprocess.Popen(command, cwd=BASE_DIR, env=server_env)
    settle(server, 4, "gunicorn")
    return server


def csrf_headers(port, link):
    """The customer's POST carries the CSRF cookie of the page it came from; both servers get the same."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", link)
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    return {
        "Cookie": cookie,
        "Referer": f"http://127.0.0.1:{port}/",
        "Content-Type": "application/x-www-form-urlencoded",
    }, token


def make_links(survey, count, languages):
    from surveys import tokens
    from surveys.models import Contact, Invitation

    contacts = Contact.objects.bulk_create(
        [Contact(email=f"a{time.monotonic_ns()}-{i}@example.com", language=languages[i % 3]) for i in range(count)],
        batch_size=2000,
    )
    links, invitations = [], []
    for contact in contacts:
        token, digest = tokens.new_token()
        invitation = Invitation(survey=survey, contact=contact, status="sent", token_hash=digest)
        invitation.start_clock()
        invitations.append(invitation)
        links.append(f"/s/{token}/")
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    return links


def report(label, rate, latency):
    print(f"{label}: {rate:6,.1f} req/s  p50 {percentile(latency, 50):5.1f} ms  p99 {percentile(latency, 99):6.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="POSTs to each server")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4, help="turns each server takes, alternating")
    args = parser.parse_args()
    env = setup_django(
        database="bench_answers",
        redis_db=10,
        extra_env={
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "60",  # as in production (.env.example): a connection per request costs more than the view
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrst",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
        },
    )
    from django.core.management import call_command
    from django.db import connection

    from feedback_platform import publishing
    from feedback_platform.celery import app as celery_app
    from reviews.tasks import PENDING_ANSWERS
    from surveys.models import Answer, Survey

    call_command("collectstatic", interactive=False, verbosity=0)  # production settings serve the manifest
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE surveys_answer, surveys_invitation, surveys_contact CASCADE")
    survey, _ = Survey.objects.get_or_create(name="Bench answers", defaults={"status": "active"})
    rng = random.Random(5)
    answers = args.requests // 2  # two POSTs per answer: the tapped score, then the comment
    links = make_links(survey, answers, LANGUAGES)
    bare_links = make_links(survey, args.requests, LANGUAGES)
    # Each side's first requests, not timed: a worker's first page in a language loads its catalogue and
    # templates, which a server in service did long ago (and which, behind 8 queued clients, is a p99 alone).
    warm_links, bare_warm_links = make_links(survey, WARM_UP, LANGUAGES), make_links(survey, WARM_UP, LANGUAGES)

    product = gunicorn(env, PORT, args.workers, "feedback_platform.settings")
    bare = gunicorn(env, BARE_PORT, args.workers, "_bare_answer_settings")
    try:
        headers, csrf = csrf_headers(PORT, links[0])
        taps, comments = [], []
        for link in warm_links + links:
            score, segment = realistic_score(rng)
            tap = {"score": score, "step": "score", "csrfmiddlewaretoken": csrf}
            said = {
                "score": score,
                "step": "comment",
                "comment": rng.choice(COMMENTS[segment]),
                "csrfmiddlewaretoken": csrf,
            }
            taps.append((link, urllib.parse.urlencode(tap), "application/json"))
            comments.append((link, urllib.parse.urlencode(said), "text/html"))
        bare_posts = []
        for link in bare_warm_links + bare_links:
            score, segment = realistic_score(rng)
            body = {"score": score, "comment": rng.choice(COMMENTS[segment]), "csrfmiddlewaretoken": csrf}
            bare_posts.append((link, urllib.parse.urlencode(body), "text/html"))
        # Every customer taps first and writes after: the taps, then the comments, interleaved across clients.
        # The two servers take turns, a slice each, so a change in the machine's load falls on both alike.
        run(PORT, taps[:WARM_UP] + comments[:WARM_UP], args.clients, headers)
        run(BARE_PORT, bare_posts[:WARM_UP], args.clients, headers)
        rate, latency, bare_rate, bare_latency = in_turns(
            lambda posts: run(PORT, posts, args.clients, headers),
            taps[WARM_UP:] + comments[WARM_UP:],
            lambda posts: run(BARE_PORT, posts, args.clients, headers),
            bare_posts[WARM_UP:],
            rounds=args.rounds,
        )
    finally:
        for server in (product, bare):
            server.terminate()
            server.wait(timeout=30)
        celery_app.control.purge()  # the ingestion tasks the answers published; no worker ran
        publishing._redis().delete(publishing._pending_key(PENDING_ANSWERS))  # and the answers they would drain

    stored, detractors = Answer.objects.count(), Answer.objects.filter(score__lte=6).count()
    print(
        f"{args.requests:,} POSTs to each (after {WARM_UP} answers to warm each up), {args.clients} keep-alive "
        f"clients, gunicorn --workers {args.workers}"
    )
    report("bare lookup-and-insert view  ", bare_rate, bare_latency)
    report("POST /s/<token>/ (tap+comment)", rate, latency)
    print(
        f"ratio {rate / bare_rate:.0%} of the bare view (target ≥ 50%, p99 < 100 ms); {stored:,} answers stored, "
        f"{detractors:,} of them detractors; their ingestion tasks waited for a worker that was not running"
    )
    print(json.dumps({"product_rps": round(rate, 1), "bare_rps": round(bare_rate, 1)}))


if __name__ == "__main__":
    main()
