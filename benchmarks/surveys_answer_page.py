"""`/s/<token>/` under gunicorn on PostgreSQL: GET and POST requests per second, p50/p99.

Loopback only, a bounded number of requests from a few client threads.
Usage: .venv/bin/python benchmarks/surveys_answer_page.py [--requests 2000] [--clients 8] [--workers 2]
"""

import argparse
import http.client
import subprocess
import sys
import threading
import time
import urllib.parse

from _setup import BASE_DIR, percentile, settle, setup_django

PORT = 8471


def run(paths, method, clients):
    latencies, lock, index = [], threading.Lock(), iter(range(len(paths)))

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while True:
            with lock:
                n = next(index, None)
            if n is None:
                return
            path, body = paths[n]
            started = time.perf_counter()
            if method == "GET":
                connection.request("GET", path)
            else:
                connection.request(
                    "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
                )
            response = connection.getresponse()
            response.read()
            assert response.status in (200, 302), response.status
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    env = setup_django(
        database="bench_answers",
        redis_db=10,
        extra_env={
            "LOG_LEVEL": "WARNING",
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

    from surveys import tokens

    call_command("collectstatic", interactive=False, verbosity=0)  # production settings serve the manifest
    from surveys.models import Contact, Invitation, Survey

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE surveys_invitation, surveys_contact CASCADE")
    survey, _ = Survey.objects.get_or_create(name="Bench answers", defaults={"status": "active"})
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"a{i}@example.com", language="en") for i in range(args.requests)], batch_size=2000
    )
    links = []
    invitations = []
    for contact in contacts:
        token, digest = tokens.new_token()
        invitation = Invitation(survey=survey, contact=contact, status="sent", token_hash=digest)
        invitation.start_clock()
        invitations.append(invitation)
        links.append(f"/s/{token}/")
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "feedback_platform.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    settle(server, 4, "gunicorn")
    try:
        # The customer's POST carries the CSRF cookie of the page it came from; the benchmark posts the same way.
        connection_ = http.client.HTTPConnection("127.0.0.1", PORT)
        connection_.request("GET", links[0])
        response = connection_.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        csrf = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        gets = [(f"{link}?score=9", None) for link in links]
        rate, latency = run(gets, "GET", args.clients)
        print(
            f"GET  /s/<token>/: {rate:6,.0f} req/s  p50 {percentile(latency, 50):5.1f} ms"
            f"  p99 {percentile(latency, 99):6.1f} ms"
        )
        posts = [
            (link, urllib.parse.urlencode({"score": 9, "comment": "Fast", "csrfmiddlewaretoken": csrf}))
            for link in links
        ]
        headers_cookie = cookie

        def post_run():
            original = http.client.HTTPConnection.request

            def with_cookie(self, method, url, body=None, headers=None, **kw):
                headers = dict(headers or {})
                headers["Cookie"] = headers_cookie
                headers["Referer"] = f"http://127.0.0.1:{PORT}/"
                return original(self, method, url, body=body, headers=headers, **kw)

            http.client.HTTPConnection.request = with_cookie
            try:
                return run(posts, "POST", args.clients)
            finally:
                http.client.HTTPConnection.request = original

        rate, latency = post_run()
        print(
            f"POST /s/<token>/: {rate:6,.0f} req/s  p50 {percentile(latency, 50):5.1f} ms"
            f"  p99 {percentile(latency, 99):6.1f} ms"
            f"  ({Invitation.objects.filter(answer__isnull=False).count():,} answers stored)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
