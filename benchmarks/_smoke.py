"""A smoke run of every benchmark at a tiny size: each runs end to end, its figures are printed, never checked.

Each script in benchmarks/ (every *.py not starting with "_") runs as its own process with the arguments
below; a script without an entry here is an error, so a new benchmark cannot be left out. Exits non-zero,
naming them, if any benchmark fails or takes longer than the timeout.
Usage: .venv/bin/python benchmarks/_smoke.py [--timeout 180] [name ...]
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

# Tiny sizes: a few seconds each, most of it process start-up (Django, the Celery worker, gunicorn).
SMOKE_ARGS = {
    "classify_throughput": ["--comments", "600", "--batch", "200", "--lexicon", "60"],
    "followup_apology_latency": ["--answers", "20", "--rate", "50"],
    "followup_queue": ["--feedback", "2000", "--cases", "200", "--requests", "3"],
    "reviews_import": ["--rows", "3000", "--classify", "50", "--api", "1"],
    "reviews_report": ["--rows", "5000", "--requests", "3"],
    "surveys_answer_page": ["--requests", "50", "--clients", "2"],
    "surveys_send": ["--invitations", "50"],
}


def benchmarks() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("*.py") if not path.name.startswith("_"))


def stop(process: subprocess.Popen) -> None:
    """End the benchmark and whatever it started (worker, gunicorn): they share its process group."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def run(name: str, timeout: float) -> tuple[str, float]:
    """Run one benchmark, printing its output as it comes; returns (outcome, seconds)."""
    command = [sys.executable, str(BENCH_DIR / f"{name}.py"), *SMOKE_ARGS[name]]
    print(f"== {name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=BENCH_DIR.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        start_new_session=True,
    )

    def relay():
        for line in process.stdout:
            sys.stdout.write(f"   {line}")
            sys.stdout.flush()

    relay_thread = threading.Thread(target=relay, daemon=True)
    relay_thread.start()
    try:
        code = process.wait(timeout=timeout)
        outcome = "ok" if code == 0 else f"exit {code}"
    except subprocess.TimeoutExpired:
        stop(process)
        outcome = f"timed out after {timeout:.0f} s"
    except BaseException:  # Ctrl-C: the benchmark is in a session of its own and would not hear it
        stop(process)
        raise
    # A worker or server the benchmark left behind would hold its port for the next run.
    for _ in range(100):
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        print(f"   ({name} left processes running: killed them)", flush=True)
    relay_thread.join(timeout=5)
    seconds = time.perf_counter() - started
    print(f"== {name}: {outcome} ({seconds:.1f} s)", flush=True)
    return outcome, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds each benchmark may take")
    parser.add_argument("names", nargs="*", help="only these benchmarks (default: all)")
    args = parser.parse_args()
    found = benchmarks()
    missing = [name for name in found if name not in SMOKE_ARGS]
    stale = [name for name in SMOKE_ARGS if name not in found]
    unknown = [name for name in args.names if name not in found]
    if missing or stale or unknown:
        for name in missing:
            print(f"benchmarks/{name}.py has no smoke arguments: add it to SMOKE_ARGS in benchmarks/_smoke.py")
        for name in stale:
            print(f"SMOKE_ARGS names {name}, but there is no benchmarks/{name}.py")
        for name in unknown:
            print(f"no benchmark named {name}")
        sys.exit(2)
    started = time.perf_counter()
    results = {name: run(name, args.timeout) for name in args.names or found}
    print(f"\nsmoke run of {len(results)} benchmarks in {time.perf_counter() - started:.0f} s:")
    for name, (outcome, seconds) in results.items():
        print(f"  {name:<26} {outcome:<24} {seconds:6.1f} s")
    failed = [name for name, (outcome, _) in results.items() if outcome != "ok"]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
