"""Shared set-up for benchmarks: a dedicated PostgreSQL database and Redis db, Django ready."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def setup_django(*, database: str, redis_db: int, extra_env: dict | None = None) -> dict:
    """Point Django at postgres://…/<database> (created and migrated if needed) and redis db `redis_db`."""
    sys.path.insert(0, str(BASE_DIR))
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_SETTINGS_MODULE": "feedback_platform.settings",
        **(extra_env or {}),
    }
    os.environ.update(env)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], capture_output=True, check=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {**os.environ}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
