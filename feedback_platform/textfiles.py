"""Reading spreadsheets people upload: CSV in UTF-8 (with or without BOM), GB18030, Shift_JIS or Latin-1, and XLSX."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import charset_normalizer
from django import forms
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

MAX_ROWS = 1_048_576  # the most rows Excel puts in a sheet: any more and the file was not made by a spreadsheet
MAX_COLUMNS = 200  # far more than any import maps (a dozen columns); cells further right are not read


class UnreadableFile(Exception):
    """The file is neither readable CSV in a known encoding nor XLSX; the message says what to do."""


# What a CSV may be in, for the upload forms' choice ("detect" first); the names Python's codecs know.
ENCODINGS = {
    "detect": _("Detect"),
    "utf-8": "UTF-8",
    "gb18030": _("Chinese (GB18030)"),
    "shift_jis": _("Japanese (Shift_JIS)"),
    "latin_1": _("Western European (Latin-1)"),
    "cp1252": _("Western European (Windows-1252)"),
}
# The detector chooses among these only: the encodings our customers' spreadsheets save in. Left free,
# charset-normalizer reads three Chinese names as Korean (cp949) and "crème" as Central European (cp1250).
_DETECTED = ["shift_jis", "gb18030", "latin_1"]


def decode(data: bytes, encoding: str = "detect") -> tuple[str, str]:
    """The text of a CSV file and its encoding: a UTF-8 BOM always wins, then the encoding the user picked,
    else UTF-8, else what charset-normalizer finds most likely among Shift_JIS, GB18030 and Latin-1
    (it tells kanji-only Japanese from Chinese by which decoding reads as the more coherent text)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if encoding != "detect":
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            raise UnreadableFile(
                f"This file is not {ENCODINGS.get(encoding, encoding)}: choose another encoding, or Detect."
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data, cp_isolation=_DETECTED).best()
    if best is None:
        raise UnreadableFile("Save the file as UTF-8 (or GB18030 / Shift_JIS) CSV, or as XLSX.")
    return str(best), best.encoding


def read_table(data: bytes, filename: str, *, encoding: str = "detect") -> tuple[list[str], list[Sequence], str]:
    """Header, rows and encoding of a CSV or XLSX file (`encoding`: the user's pick for a CSV, or detect)."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data)
        return [str(cell or "").strip() for cell in rows[0]] if rows else [], rows[1:], "xlsx"
    text, found = decode(data, encoding)
    rows = list(csv.reader(io.StringIO(text)))
    return [cell.strip() for cell in rows[0]] if rows else [], rows[1:], found


def _xlsx_rows(data: bytes) -> list[Sequence]:
    """The rows of the first sheet, streamed: memory follows the cells the file holds, never what it declares.

    A sheet's `<dimension>` is the file's own claim; openpyxl pads every row to it, so a 5 KB file declaring
    A1:XFD1048576 asked for 16,384 cells a row. We drop the claim (each row is then as wide as its last cell),
    keep no more than MAX_COLUMNS cells of a row, trim it to its last value (an empty row becomes the shared
    empty tuple) and stop past MAX_ROWS."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"This XLSX file cannot be opened ({error}).") from None
    rows: list[Sequence] = []
    try:
        sheet = workbook.active
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows are allowed
                raise UnreadableFile(f"This sheet has more than {MAX_ROWS:,} rows: split it into smaller files.")
            rows.append(_trimmed(row))
    except UnreadableFile:
        raise
    except Exception as error:  # a damaged sheet fails while it is read
        raise UnreadableFile(f"This XLSX file cannot be opened ({error}).") from None
    finally:
        workbook.close()  # read-only mode keeps the zip open until closed
    while rows and not rows[-1]:  # formatted but empty rows at the end are no rows
        rows.pop()
    return rows


def _trimmed(row: Sequence) -> tuple:
    end = min(len(row), MAX_COLUMNS)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return tuple(row[:end])


@dataclass(frozen=True)
class UploadLimit:
    """How large an uploaded spreadsheet of one kind may be, the one definition for every path it comes by
    (the page's form, the API): its size, read before the file is, and its rows, counted once it is read."""

    max_bytes: int
    max_rows: int
    too_large: "StrOrPromise"  # a lazy translation: words in the language of the request that reads it

    def too_many_rows(self, rows: int) -> str | None:
        """The message for a file with this many data rows, None when it may be imported."""
        if rows <= self.max_rows:
            return None
        return _("The file has more than %(rows)s rows: split it into smaller files.") % {"rows": f"{self.max_rows:,}"}


MB = 1024 * 1024
CONTACT_FILES = UploadLimit(
    max_bytes=20 * MB, max_rows=100_000, too_large=_("The file is larger than 20 MB.")
)  # read and upserted inside the web request
REVIEW_FILES = UploadLimit(
    max_bytes=50 * MB,
    max_rows=MAX_ROWS,
    too_large=_("The file is larger than 50 MB; import it with manage.py import_reviews."),
)  # imported by a worker, in chunks


def encoding_field() -> forms.ChoiceField:
    """The upload forms' choice of a CSV's encoding; Detect unless the user knows better."""
    return forms.ChoiceField(
        label=_("Encoding of a CSV file"),
        choices=list(ENCODINGS.items()),
        initial="detect",
        required=False,
        help_text=_("Detect reads UTF-8, Chinese, Japanese and Western files; pick one if the names look wrong."),
    )


class SpreadsheetField(forms.FileField):
    """An uploaded CSV or XLSX file, refused by its name and size before anything reads it."""

    def __init__(self, *, limit: UploadLimit, **kwargs):
        super().__init__(label=_("CSV or XLSX file"), **kwargs)
        self.limit = limit

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload and upload.size > self.limit.max_bytes:
            raise forms.ValidationError(self.limit.too_large)
        return upload
