"""CSV and XLSX exports that Excel opens safely, in every language.

The cell rule (a leading apostrophe on text a spreadsheet would run as a formula) lives in the base
layer, `feedback_platform/exports.py`, shared with the activity log's export. CSV is UTF-8 with a BOM so
Excel reads Chinese and Japanese right.
"""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

from feedback_platform.exports import FORMULA_STARTS, safe_cell

__all__ = ["FORMULA_STARTS", "export", "safe_cell"]


def export(rows: list[dict], columns: list[str], *, name: str, file_format: str) -> HttpResponse:
    """A download of `rows` (dicts) with these columns, as csv or xlsx."""
    table = [[safe_cell(row.get(column)) for column in columns] for row in rows]
    if file_format == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(columns)
        for line in table:
            # openpyxl writes any string starting with "=" as a formula: force text cells.
            sheet.append(line)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows(table)
        response = HttpResponse(("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
