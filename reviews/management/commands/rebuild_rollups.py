import time

from django.core.management.base import BaseCommand

from reviews import rollups


class Command(BaseCommand):
    help = "Recompute every report rollup from the raw feedback."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rollups.rebuild_all()
        self.stdout.write(f"{rows} rollup rows in {time.perf_counter() - started:.1f} s.")
