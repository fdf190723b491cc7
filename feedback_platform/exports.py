"""Spreadsheet-safe cells for every export (CSV and XLSX), in the base layer so every app uses one rule.

A cell that starts with = + - @ tab or CR would run as a formula in a spreadsheet: it gets a leading
apostrophe. CSV is UTF-8 with a BOM so Excel reads Chinese and Japanese right.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"


def safe_cell(value):
    """Numbers stay numbers; text that a spreadsheet would run is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def streamed_csv(header: list[str], rows: Iterable[Iterable], *, name: str) -> StreamingHttpResponse:
    """A CSV download written row by row (memory stays flat however many rows), every cell made safe."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[bytes]:
        yield (CSV_BOM + writer.writerow(header)).encode("utf-8")
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row]).encode("utf-8")

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
