"""A person's data download: every exporter's tables as one ZIP, a JSON and a CSV file per table, streamed.

Memory stays bounded however much a person has: the ZIP is written to a sink that hands its bytes on as they
come (zipfile writes data descriptors when it cannot seek), each table's rows are read once, and the JSON twin
of the CSV is spooled to a temporary file that goes to disk past a megabyte. CSV cells go through the one
formula-safe rule (`exports.safe_cell`); JSON keeps the values as they are (no spreadsheet runs it).
"""

import csv
import datetime
import decimal
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator

from .erasure import Table
from .exports import CSV_BOM, safe_cell

SPOOL_LIMIT = 1024 * 1024


class _Sink:
    """A write-only file for zipfile that keeps only what has not been handed on yet (no seek: streamed)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return str(value)


def zip_stream(tables: Iterable[Table]) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk: `<table>.csv` and `<table>.json` (a list of objects) for each table."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for table in tables:
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT, mode="w+b") as spooled:
                with archive.open(f"{table.name}.csv", "w") as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    writer = csv.writer(text)
                    text.write(CSV_BOM)
                    writer.writerow(table.header)
                    spooled.write(b"[")
                    for count, row in enumerate(table.rows):
                        values = list(row)
                        writer.writerow([safe_cell(value) for value in values])
                        record = json.dumps(
                            dict(zip(table.header, values, strict=True)), ensure_ascii=False, default=_json_value
                        )
                        spooled.write((",\n" if count else "\n").encode() + record.encode("utf-8"))
                        text.flush()
                        yield sink.take()
                    spooled.write(b"\n]\n")
                    text.flush()
                    text.detach()
                spooled.seek(0)
                with archive.open(f"{table.name}.json", "w") as raw:
                    while chunk := spooled.read(64 * 1024):
                        raw.write(chunk)
                        yield sink.take()
            yield sink.take()
    yield sink.take()
