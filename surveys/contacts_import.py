"""Contacts from a CSV or XLSX file: valid rows are upserted, every other row is reported."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from feedback_platform.textfiles import read_table

from .services import upsert_contact

FIELDS = {"email", "name", "external_id", "language", "customer_since"}
ATTRIBUTES = {"plan", "product", "lifetime_value", "region"}
LANGUAGES = {code for code, _ in settings.LANGUAGES}


@dataclass
class ContactImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    encoding: str = ""
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}


@transaction.atomic
def import_contacts(data: bytes, filename: str) -> ContactImportReport:
    """Upsert every valid row by external id or email; report invalid emails, unknown columns and duplicates."""
    header, rows, encoding = read_table(data, filename)
    report = ContactImportReport(rows=len(rows), encoding=encoding)
    names = [column.strip().lower() for column in header]
    for column in names:
        if column not in FIELDS | ATTRIBUTES:
            report.errors.append({"row": 1, "field": column, "reason": "unknown column, not imported"})
    if "email" not in names:
        report.errors.append({"row": 1, "field": "email", "reason": "the file needs an email column"})
        return report
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows):
        line = offset + 2
        values = {
            name: str(row[i]).strip() if i < len(row) and row[i] is not None else "" for i, name in enumerate(names)
        }
        problems = _problems(values)
        key = values["email"].lower()
        if key in seen:
            problems["email"] = f"duplicate of row {seen[key]}"
        if problems:
            report.errors.extend({"row": line, "field": f, "reason": r} for f, r in problems.items())
            continue
        seen[key] = line
        _, created = upsert_contact(
            email=values["email"],
            name=values.get("name", ""),
            language=values.get("language") or None,
            external_id=values.get("external_id") or None,
            customer_since=date.fromisoformat(values["customer_since"]) if values.get("customer_since") else None,
            attributes={name: values[name] for name in ATTRIBUTES if values.get(name)},
        )
        report.created += created
        report.updated += not created
    return report


def _problems(values: dict) -> dict[str, str]:
    problems = {}
    try:
        validate_email(values.get("email", ""))
    except ValidationError:
        problems["email"] = f"not an email address: {values.get('email', '')!r}"
    if values.get("language") and values["language"] not in LANGUAGES:
        problems["language"] = f"unknown language {values['language']!r}; use en, zh-hans or ja"
    if values.get("customer_since"):
        try:
            date.fromisoformat(values["customer_since"])
        except ValueError:
            problems["customer_since"] = f"not a date such as 2026-01-31: {values['customer_since']!r}"
    return problems
