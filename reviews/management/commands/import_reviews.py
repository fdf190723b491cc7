import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.imports import UnreadableFile, import_reviews


class Command(BaseCommand):
    help = "Import external reviews from a CSV or XLSX file (idempotent: a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--platform", required=True, help="where the reviews come from, e.g. tmall, app-store")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="map a column to a field, e.g. --map score=星级",
        )
        parser.add_argument("--now", action="store_true", help="classify the text now instead of in the background")

    def handle(self, *args, file: Path, platform: str, map: list[str], now: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        mapping = dict(pair.split("=", 1) for pair in map if "=" in pair)
        started = time.perf_counter()

        def progress(done, total, failed):
            width = 30
            filled = int(width * done / max(1, total))
            elapsed = time.perf_counter() - started
            left = elapsed / done * (total - done) if done else 0
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows, {failed} failed, {left:.0f} s left"
            )
            sys.stderr.flush()

        try:
            report = import_reviews(
                data=file.read_bytes(),
                filename=file.name,
                platform=platform,
                mapping=mapping,
                progress=progress,
                classify_now=now,
            )
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        sys.stderr.write("\n")
        self.stdout.write(
            f"{report.rows} rows ({report.encoding}): {report.created} new, {report.existing} already "
            f"imported, {len(report.errors)} errors."
        )
        if report.unknown_columns:
            self.stdout.write(f"Columns not imported: {', '.join(report.unknown_columns)}")
        for error in report.errors[:50]:
            self.stdout.write(f"  row {error['row']}: {error['field']}: {error['reason']}")
