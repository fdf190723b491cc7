"""One check per review row: the same rows through every path are refused for the same reasons, and the rows
that pass are stored alike (reviews.rows; the CSV fast path repeats it in SQL)."""

import csv
import io

import pytest
from django.db import connection

from reviews import fastimport
from reviews.batch import ingest_batch
from reviews.imports import import_reviews
from reviews.models import Feedback, Source
from reviews.rows import MISSING_ID, NOT_A_NUMBER

pytestmark = pytest.mark.django_db

# (id, rating, date) as review files carry them; the expected refusals are keyed by file line (header = 1).
ROWS = [
    ("", "4", ""),
    ("b1", "abc", ""),
    ("b2", "", ""),
    ("b3", "9", ""),
    ("b4", "-1", ""),
    ("b5", "1e3", ""),
    ("b6", "4", "2026-02-30"),
    ("b7", "4", "20260105"),
    ("b8", "4", "2026-13-01"),
    ("b9", "4", "yesterday"),
    ("", "x", "2026-01-05 25:00"),
    ("g1", "4.5", "2026-01-05"),
    ("g2", " 2 ", "2026-01-05 10:30"),
    ("g3", "3.49", "2026-01-05T10:30:00+09:00"),
    ("g4", "1", "2024-02-29"),
    ("g5", "5.0", ""),
]
REFUSED = {
    (2, "external_id"): MISSING_ID,
    (3, "score"): NOT_A_NUMBER,
    (4, "score"): NOT_A_NUMBER,
    (5, "score"): "9 is outside 1..5",
    (6, "score"): NOT_A_NUMBER,
    (7, "score"): NOT_A_NUMBER,
    (8, "received_at"): "not a date: '2026-02-30'",
    (9, "received_at"): "not a date: '20260105'",
    (10, "received_at"): "not a date: '2026-13-01'",
    (11, "received_at"): "not a date: 'yesterday'",
    (12, "external_id"): MISSING_ID,
    (12, "score"): NOT_A_NUMBER,
    (12, "received_at"): "not a date: '2026-01-05 25:00'",
}
# What the good rows become: score and the moment received (g5 has none: the moment of the import).
STORED = {
    "g1": (5, "2026-01-05T00:00:00+00:00"),
    "g2": (2, "2026-01-05T10:30:00+00:00"),
    "g3": (3, "2026-01-05T01:30:00+00:00"),
    "g4": (1, "2024-02-29T00:00:00+00:00"),
    "g5": (5, None),
}


def csv_text() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "rating", "date"])
    writer.writerows(ROWS)
    return out.getvalue()


def items() -> list[dict]:
    """The rows as the file import hands them on: mapped names, empty cells left out."""
    names = ("external_id", "score", "received_at")
    return [{name: value for name, value in zip(names, row, strict=True) if value != ""} for row in ROWS]


def refused(errors: list[dict]) -> dict:
    return {(error["row"], error["field"]): error["reason"] for error in errors}


def assert_stored_as_expected(platform: str) -> None:
    rows = {row.external_id.split(":", 1)[1]: row for row in Feedback.objects.filter(platform=platform)}
    assert set(rows) == set(STORED), platform
    for external_id, (score, when) in STORED.items():
        assert rows[external_id].score == score, (platform, external_id)
        if when:
            assert rows[external_id].received_at.isoformat() == when, (platform, external_id)


def test_the_api_batch_refuses_and_stores_as_the_rule():
    result = ingest_batch(items(), source=Source.IMPORT, platform="api", classify_now=False)
    got = {(index + 2, field): reason for index, fields in result.errors.items() for field, reason in fields.items()}
    assert got == REFUSED
    assert_stored_as_expected("api")


def test_the_row_by_row_file_import_refuses_and_stores_as_the_rule():
    report = import_reviews(data=csv_text().encode(), filename="r.csv", platform="rows", classify_now=True)
    assert refused(report.errors) == REFUSED
    assert_stored_as_expected("rows")


def test_the_spreadsheet_fast_path_refuses_and_stores_as_the_rule():
    errors: list[dict] = []
    buffer, staged = fastimport.stage_rows(items(), platform="xlsx", first_row=2, errors=errors)
    assert refused(errors) == REFUSED
    assert staged == len(STORED)
    if connection.vendor == "postgresql":
        fastimport.copy_rows(buffer=buffer)
        assert_stored_as_expected("xlsx")


def test_the_csv_fast_path_in_sql_refuses_and_stores_as_the_rule():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY fast path is PostgreSQL's; CI runs this on PostgreSQL")
    result = fastimport.copy_csv(csv_text(), {0: "external_id", 1: "score", 2: "received_at"}, 3, platform="sql")
    assert refused(result.errors) == REFUSED
    assert_stored_as_expected("sql")


# Values too long for their column are that field's error on every path, never cut; at the limit, kept whole.
LONG_NAMES = ("external_id", "score", "comment", "author_name", "product_ref", "review_url")
URL = "https://reviews.example/"
LONG_ROWS = [
    ("l1", "4", "很" * 10_001, "", "", ""),
    ("l2", "4", "ok", "名" * 201, "", ""),
    ("l3", "4", "ok", "", "p" * 201, ""),
    ("l4", "4", "ok", "", "", URL + "u" * (501 - len(URL))),
    ("l5", "2", "很" * 10_000, "名" * 200, "p" * 200, URL + "u" * (500 - len(URL))),
]
LONG_REFUSED = {
    (2, "comment"): "longer than 10000 characters",
    (3, "author_name"): "longer than 200 characters",
    (4, "product_ref"): "longer than 200 characters",
    (5, "review_url"): "longer than 500 characters",
}


def long_csv() -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([("id", "rating", "text", "author", "product", "url"), *LONG_ROWS])
    return out.getvalue()


def long_items() -> list[dict]:
    return [{name: value for name, value in zip(LONG_NAMES, row, strict=True) if value} for row in LONG_ROWS]


def assert_kept_whole(platform: str) -> None:
    stored = Feedback.objects.get(platform=platform)
    assert stored.external_id == f"{platform}:l5"
    assert (len(stored.comment), len(stored.author_name), len(stored.product_ref), len(stored.review_url)) == (
        10_000,
        200,
        200,
        500,
    )


def test_a_value_too_long_for_its_column_is_refused_alike_on_every_path():
    result = ingest_batch(long_items(), source=Source.IMPORT, platform="api", classify_now=False)
    assert {(i + 2, f): r for i, fields in result.errors.items() for f, r in fields.items()} == LONG_REFUSED
    assert_kept_whole("api")
    report = import_reviews(data=long_csv().encode(), filename="r.csv", platform="rows", classify_now=True)
    assert refused(report.errors) == LONG_REFUSED
    assert_kept_whole("rows")
    errors: list[dict] = []
    buffer, staged = fastimport.stage_rows(long_items(), platform="xlsx", first_row=2, errors=errors)
    assert refused(errors) == LONG_REFUSED and staged == 1
    if connection.vendor == "postgresql":
        fastimport.copy_rows(buffer=buffer)
        assert_kept_whole("xlsx")
        columns = dict(enumerate(LONG_NAMES))
        assert refused(fastimport.copy_csv(long_csv(), columns, 6, platform="sql").errors) == LONG_REFUSED
        assert_kept_whole("sql")
