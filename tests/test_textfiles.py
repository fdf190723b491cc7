"""Reading the spreadsheets people upload: bounded memory whatever an XLSX claims about itself."""

import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from feedback_platform import textfiles
from feedback_platform.textfiles import UnreadableFile, read_table

MiB = 2**20


def xlsx(rows: list[list], *, dimension: str | None = None, last_row: int | None = None) -> bytes:
    """An XLSX file of `rows`, its sheet XML edited as a forger would: a declared `<dimension>`, or one
    more (empty) row far down the sheet. Repeated XML compresses well, so such a file stays a few KB."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    plain = io.BytesIO()
    workbook.save(plain)
    source, forged = zipfile.ZipFile(plain), io.BytesIO()
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if dimension:
                    data = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}"/>'.encode(), data)
                if last_row:
                    far = f'<row r="{last_row}"><c r="A{last_row}"/></row>'.encode()
                    data = data.replace(b"</sheetData>", far + b"</sheetData>")
            target.writestr(item, data)
    return forged.getvalue()


def peak_of_reading(data: bytes) -> tuple[tuple, float]:
    tracemalloc.start()
    try:
        table = read_table(data, "contacts.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return table, peak / MiB


CONTACTS = [["email", "name"]] + [[f"c{n}@example.com", f"Customer {n}"] for n in range(400)]


def test_it_ignores_a_declared_million_rows_by_16384_columns():
    data = xlsx(CONTACTS, dimension="A1:XFD1048576")
    assert len(data) < 12_000  # about 10 KB on disk
    (header, rows, encoding), peak = peak_of_reading(data)
    assert peak < 20, f"reading took {peak:.0f} MiB"  # 51 MiB before: every row padded to 16,384 cells
    assert header == ["email", "name"] and encoding == "xlsx"
    assert [list(row) for row in rows] == CONTACTS[1:]


def test_it_reads_the_brief_s_file_that_declares_a1_z1048576():
    (header, rows, _), peak = peak_of_reading(xlsx(CONTACTS[:3], dimension="A1:Z1048576"))
    assert header == ["email", "name"] and [list(row) for row in rows] == CONTACTS[1:3]
    assert peak < 5


def test_a_cell_far_to_the_right_is_not_padded_to():
    data = xlsx([["email", "name"], ["a@example.com", "Ada"] + [None] * 300 + ["far"]])
    header, rows, _ = read_table(data, "c.xlsx")
    assert header == ["email", "name"] and list(rows[0]) == ["a@example.com", "Ada"]


def test_empty_rows_at_the_end_of_a_sheet_are_no_rows():
    (header, rows, _), peak = peak_of_reading(xlsx(CONTACTS[:3], dimension="A1:B300000", last_row=300_000))
    assert peak < 10, f"reading took {peak:.0f} MiB"  # 26 MiB before: a copy of every empty row
    assert [list(row) for row in rows] == CONTACTS[1:3]


def test_a_sheet_longer_than_the_limit_is_refused_with_its_limit(monkeypatch):
    monkeypatch.setattr(textfiles, "MAX_ROWS", 100)
    with pytest.raises(UnreadableFile, match="more than 100 rows"):
        read_table(xlsx(CONTACTS), "c.xlsx")


@pytest.mark.django_db
def test_both_imports_read_a_forged_sheet_as_the_rows_it_holds():
    from reviews.imports import import_reviews
    from surveys.contacts_import import import_contacts

    contacts = import_contacts(data=xlsx(CONTACTS[:3], dimension="A1:XFD1048576"), filename="contacts.xlsx")
    assert (contacts.rows, contacts.created, contacts.errors) == (2, 2, [])  # not 16,382 unknown columns
    reviews = [["id", "rating", "review"], ["r1", 5, "Great"], ["r2", 1, "Late"]]
    report = import_reviews(data=xlsx(reviews, dimension="A1:XFD1048576"), filename="reviews.xlsx", platform="shop")
    assert (report.rows, report.created, report.unknown_columns) == (2, 2, [])


NAMES = {  # real-world names, each in the encoding its people's spreadsheets save by default
    "latin_1": ["crème brûlée", "Zoë", "François"],
    "shift_jis": ["山田太郎", "佐藤花子", "鈴木一郎"],  # kanji only: no kana to give Japanese away
    "gb18030": ["张伟", "王芳", "李娜"],
}


def contacts_csv(names: list[str]) -> str:
    return "email,name\n" + "".join(f"c{n}@example.com,{name}\n" for n, name in enumerate(names))


@pytest.mark.parametrize("encoding", sorted(NAMES))
def test_it_tells_the_encoding_of_real_world_names(encoding):
    header, rows, found = read_table(contacts_csv(NAMES[encoding]).encode(encoding), "contacts.csv")
    assert (found, [row[1] for row in rows]) == (encoding, NAMES[encoding])


def test_a_utf8_file_with_a_bom_loses_the_bom():
    header, rows, found = read_table(contacts_csv(NAMES["gb18030"]).encode("utf-8-sig"), "contacts.csv")
    assert (header, found, rows[0][1]) == (["email", "name"], "utf-8-sig", "张伟")


def test_the_encoding_the_user_picks_comes_first():
    data = contacts_csv(["Ÿ"]).encode("cp1252")  # 0x9F: a C1 control in Latin-1, "Ÿ" in Windows-1252
    assert read_table(data, "c.csv", encoding="cp1252")[1][0][1] == "Ÿ"
    with pytest.raises(UnreadableFile, match=r"not Japanese \(Shift_JIS\)"):
        read_table(contacts_csv(NAMES["latin_1"]).encode("latin_1"), "c.csv", encoding="shift_jis")
