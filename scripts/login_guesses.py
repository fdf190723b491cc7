"""How fast one client can guess a password on the login page, and whether the right one still gets in.

Usage: python scripts/login_guesses.py http://127.0.0.1:8000 USERNAME RIGHT_PASSWORD [--guesses 50]
Sends GUESSES wrong passwords one after another (each with a fresh CSRF token, as a browser would), then
the right one, and prints the rate, how many answers were a lockout (429), and whether the last one
logged in. Figures are printed, never checked; run it only against a server of your own on loopback.
"""

import argparse
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


def attempt(opener, base: str, username: str, password: str) -> tuple[int, str]:
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{base}/accounts/login/", body.encode(), headers={"Referer": base})  # noqa: S310 - http(s) only, checked in main
    try:
        response = opener.open(request)
        return response.status, response.geturl()
    except urllib.error.HTTPError as error:
        return error.code, error.geturl()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("username")
    parser.add_argument("right_password")
    parser.add_argument("--guesses", type=int, default=50)
    args = parser.parse_args()
    if not args.base.startswith(("http://", "https://")):
        parser.error("the base must be an http(s) URL")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    started = time.perf_counter()
    statuses = [attempt(opener, args.base, args.username, f"wrong-{n}")[0] for n in range(args.guesses)]
    elapsed = time.perf_counter() - started
    status, landed = attempt(opener, args.base, args.username, args.right_password)
    checked = sum(1 for s in statuses if s != 429)
    print(f"{args.guesses} wrong passwords in {elapsed:.1f} s: {args.guesses / elapsed:.1f} requests/s")
    print(f"passwords actually checked: {checked} of {args.guesses}; lockout answers (429): {statuses.count(429)}")
    print(f"then the right password: {status}, {'logged in' if '/accounts/login/' not in landed else 'refused'}")


if __name__ == "__main__":
    main()
