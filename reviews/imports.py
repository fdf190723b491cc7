"""Reading review files: CSV (UTF-8 with or without BOM, GB18030, Shift_JIS) and XLSX, with a column mapping."""

import csv
import io
from dataclasses import dataclass, field

from django.db import DatabaseError, connection

from feedback_platform.publishing import BULK_QUEUE, publish_on_commit
from feedback_platform.textfiles import UnreadableFile, decode, read_table

from . import batch, fastimport
from .models import Source
from .tasks import classify_feedback_task, classify_import_task

# Our field ← the column names stores, app stores and review sites use for it.
DEFAULT_MAPPING = {
    "external_id": ["external_id", "id", "review_id", "评价id", "レビューid"],
    "score": ["score", "rating", "stars", "评分", "星级", "評価"],
    "comment": ["comment", "review", "text", "content", "body", "评价内容", "内容", "レビュー", "本文"],
    "author_name": ["author", "author_name", "reviewer", "nickname", "用户", "昵称", "投稿者"],
    "received_at": ["date", "created_at", "received_at", "time", "日期", "时间", "投稿日"],
    "product_ref": ["product", "product_ref", "sku", "item", "商品", "商品名"],
    "review_url": ["url", "review_url", "link"],
    "contact_email": ["email", "contact_email"],
    "account_age_days": ["account_age_days", "reviewer_account_age_days"],
    "remote": ["remote", "remote_address"],
    "kind": ["kind"],
    "scale_max": ["scale_max"],
}


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row": n, "field": f, "reason": r}
    encoding: str = ""
    unknown_columns: list[str] = field(default_factory=list)


def map_columns(header: list[str], mapping: dict | None = None) -> tuple[dict[int, str], list[str]]:
    """Column index → our field; and the columns nobody maps (reported, not an error)."""
    wanted = {**DEFAULT_MAPPING, **{name: [column] for name, column in (mapping or {}).items()}}
    lookup = {alias.lower(): name for name, aliases in wanted.items() for alias in aliases}
    columns, unknown = {}, []
    for index, column in enumerate(header):
        name = lookup.get(column.lower())
        if name:
            columns[index] = name
        else:
            unknown.append(column)
    return columns, unknown


def import_reviews(
    *,
    data: bytes,
    filename: str,
    encoding: str = "detect",
    platform: str,
    mapping: dict | None = None,
    progress=None,
    chunk: int = 1000,
    classify_now: bool = False,
) -> ImportReport:
    """Import a review file in chunks; a bad row is reported (row, field, reason), the others are kept."""
    if _whole_file_in_sql(filename, classify_now):
        text, encoding = decode(data, encoding)
        header = [cell.strip() for cell in next(csv.reader(io.StringIO(text)), [])]
        columns, unknown = _required_columns(header, mapping)
        # COPY refuses a NUL: such a file goes row by row below, which reports each row that has one.
        if set(columns.values()) <= set(fastimport.SQL_FIELDS) and "\x00" not in text:
            report = ImportReport(encoding=encoding, unknown_columns=unknown)
            try:
                return _import_in_sql(text, len(header), columns, report, platform=platform, progress=progress)
            except DatabaseError:
                pass  # a value the SQL checks missed and PostgreSQL refused: row by row below, which names it
    header, rows, encoding = read_table(data, filename, encoding=encoding)
    columns, unknown = _required_columns(header, mapping)
    report = ImportReport(rows=len(rows), encoding=encoding, unknown_columns=unknown)
    fast = connection.vendor == "postgresql" and "contact_email" not in columns.values() and not classify_now
    if fast:
        chunk = max(chunk, 20000)
    for start in range(0, len(rows), chunk):
        items = [
            {name: row[index] for index, name in columns.items() if index < len(row) and row[index] not in (None, "")}
            for row in rows[start : start + chunk]
        ]
        if fast:
            buffer, staged = fastimport.stage_rows(items, platform=platform, first_row=start + 2, errors=report.errors)
            created = fastimport.copy_rows(buffer=buffer)
            publish_on_commit(classify_feedback_task, created, queue=BULK_QUEUE)
            report.created += len(created)
            report.existing += staged - len(created)
            if progress:
                progress(min(len(rows), start + chunk), len(rows), len(report.errors))
            continue
        result = batch.ingest_batch(items, source=Source.IMPORT, platform=platform, classify_now=classify_now)
        report.created += len(result.created)
        report.existing += result.existing
        for index, fields in sorted(result.errors.items()):
            for name, reason in fields.items():
                report.errors.append({"row": start + index + 2, "field": name, "reason": reason})  # 1-based, header
        if progress:
            progress(min(len(rows), start + chunk), len(rows), len(report.errors))
    return report


def _required_columns(header: list[str], mapping: dict | None) -> tuple[dict[int, str], list[str]]:
    columns, unknown = map_columns(header, mapping)
    missing = {"external_id", "score"} - set(columns.values())
    if missing:
        raise UnreadableFile(f"No column for {', '.join(sorted(missing))}: name it or pass a mapping.")
    return columns, unknown


def _whole_file_in_sql(filename: str, classify_now: bool) -> bool:
    """The largest files take the COPY path: CSV star ratings on PostgreSQL, no contact matching."""
    return connection.vendor == "postgresql" and filename.lower().endswith(".csv") and not classify_now


def _import_in_sql(text, width, columns, report, *, platform, progress) -> ImportReport:
    result = fastimport.copy_csv(text, columns, width, platform=platform, progress=progress)
    for first_id, last_id in result.id_ranges:
        publish_on_commit(classify_import_task, platform, first_id, last_id)
    report.rows, report.created, report.errors = result.rows, result.created, result.errors
    report.existing = result.rows - result.created - len({error["row"] for error in result.errors})
    return report
