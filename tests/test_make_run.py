"""`make run`'s process runner: up on the embedded defaults, and one Ctrl-C stops everything it started."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.conftest import free_port

BASE_DIR = Path(settings.BASE_DIR)


def _children() -> dict[int, list[int]]:
    """Every live process's children, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def _descendants(pid: int) -> set[int]:
    children, found, todo = _children(), set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for_health(url: str, runner: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert runner.poll() is None, "the runner stopped before the web app answered"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http:// URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s")


def test_one_ctrl_c_stops_web_worker_and_beat_quickly_and_quietly(tmp_path):
    # The embedded defaults in a folder of the test's own: empty variables mean "unset".
    # The folder does not exist yet, as on a fresh clone.
    env = {**os.environ, "DATABASE_URL": "", "REDIS_URL": "", "VAR_DIR": str(tmp_path / "var"), "CI": ""}
    python = str(Path(sys.executable).parent / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)  # noqa: S603
    port = free_port()
    log = (tmp_path / "runner.log").open("w+")
    honcho = [str(Path(sys.executable).parent / "honcho"), "start", "--env", "/dev/null", "--port", str(port)]
    # Its own process group, as a terminal gives the foreground job: Ctrl-C signals the whole group.
    runner = subprocess.Popen(  # noqa: S603 - our own command line
        honcho, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    started: set[int] = set()
    try:
        _wait_for_health(f"http://127.0.0.1:{port}/healthz", runner)
        started = _descendants(runner.pid)
        commands = " ".join(Path(f"/proc/{pid}/cmdline").read_text() for pid in started if _alive(pid))
        assert "runserver" in commands and "worker" in commands and "beat" in commands
        lines_before = len(Path(log.name).read_text().splitlines())

        os.killpg(runner.pid, signal.SIGINT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (runner.poll() is None or any(map(_alive, started))):
            time.sleep(0.2)

        left = sorted(pid for pid in started if _alive(pid))
        assert runner.poll() is not None and not left, f"still running 10 s after Ctrl-C: {left}"
        after = Path(log.name).read_text().splitlines()[lines_before:]
        assert len(after) <= 30, "\n".join(after)
        assert not any("Traceback" in line or "CRITICAL" in line for line in after), "\n".join(after)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
        for pid in filter(_alive, started):
            os.kill(pid, signal.SIGKILL)
        log.close()
