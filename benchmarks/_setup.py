"""Shared set-up for benchmarks: a dedicated PostgreSQL database and Redis db, Django ready."""

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def setup_django(*, database: str, redis_db: int, extra_env: dict | None = None) -> dict:
    """Point Django at postgres://…/<database> (created and migrated if needed) and redis db `redis_db`
    (BENCH_REDIS_DB overrides it, to keep a benchmark off a Redis database something else is using)."""
    sys.path.insert(0, str(BASE_DIR))
    redis_db = int(os.environ.get("BENCH_REDIS_DB") or redis_db)
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_SETTINGS_MODULE": "feedback_platform.settings",
        **(extra_env or {}),
    }
    os.environ.update(env)
    server = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["createdb", *server, database], capture_output=True, check=False)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # A database migrated by another checkout (a branch, uncommitted migrations) has migrations this code
    # does not know, and tables that may not match its models: it is only benchmark data, so start afresh.
    loader = MigrationLoader(connection)
    unknown = sorted(set(loader.applied_migrations) - set(loader.disk_migrations))
    if unknown:
        print(f"{database}: migrated by other code ({', '.join(f'{a}.{n}' for a, n in unknown)}); recreating it")
        connection.close()
        subprocess.run(["dropdb", *server, "--if-exists", "--force", database], check=True)
        subprocess.run(["createdb", *server, database], check=True)
    call_command("migrate", verbosity=0)
    return {**os.environ}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format (NULL, and backslashes, tabs and newlines escaped)."""
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(copy_value(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


# A benchmark that loads its data once and reuses it records what it loaded here, after the last row is in:
# a later run with other sizes (larger or smaller), or after a load that stopped half-way, loads again.
DATASET_TABLE = "CREATE TABLE IF NOT EXISTS bench_dataset (name text PRIMARY KEY, params jsonb NOT NULL)"


def dataset_loaded(name: str, params: dict) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DATASET_TABLE)
        cursor.execute("SELECT params FROM bench_dataset WHERE name = %s", [name])
        row = cursor.fetchone()
    stored = row and (json.loads(row[0]) if isinstance(row[0], str) else row[0])
    return stored == params


def forget_dataset(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DATASET_TABLE)
        cursor.execute("DELETE FROM bench_dataset WHERE name = %s", [name])


def remember_dataset(name: str, params: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DATASET_TABLE)
        cursor.execute(
            "INSERT INTO bench_dataset (name, params) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET params = %s",
            [name, json.dumps(params), json.dumps(params)],
        )


def settle(process, seconds: float, what: str) -> None:
    """Give a worker or server `seconds` to start; stop the benchmark at once if it exits instead."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        check_alive(process, what)
        time.sleep(0.2)
    check_alive(process, what)


def check_alive(process, what: str) -> None:
    if process.poll() is not None:
        sys.exit(f"{what} exited with code {process.returncode}")
