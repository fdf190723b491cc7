"""Contacts from a CSV or XLSX file: valid rows are upserted, every other row is reported."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from feedback_platform.textfiles import CONTACT_FILES, UnreadableFile, read_table

from .contact_rows import attribute_problems, check_contact_row, customer_since
from .contacts import _upsert_contact, parse_tags, set_tags, tag_problem

FIELDS = {"email", "name", "external_id", "language", "customer_since", "tags"}
ATTRIBUTES = {"plan", "product", "lifetime_value", "region"}


@dataclass
class ContactImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    encoding: str = ""
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}


@transaction.atomic
def import_contacts(*, data: bytes, filename: str, encoding: str = "detect") -> ContactImportReport:
    """Upsert every valid row by external id or email; report invalid emails, unknown columns and duplicates.
    Staff imports go through `editing.import_contact_file`, which records the activity."""
    header, rows, found = read_table(data, filename, encoding=encoding)
    too_many = CONTACT_FILES.too_many_rows(len(rows))
    if too_many:
        raise UnreadableFile(too_many)
    report = ContactImportReport(rows=len(rows), encoding=found)
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
        attributes = {name: values[name] for name in ATTRIBUTES if values.get(name)}
        problems = {**check_contact_row(values), **attribute_problems(attributes)}  # a column's name per problem
        tags = parse_tags(values.get("tags", ""))
        if tag_problem(tags):
            problems["tags"] = tag_problem(tags)
        key = values["email"].lower()
        if key in seen:
            problems["email"] = f"duplicate of row {seen[key]}"
        if problems:
            report.errors.extend({"row": line, "field": f, "reason": r} for f, r in problems.items())
            continue
        seen[key] = line
        try:
            contact, created, _ = _upsert_contact(  # import_contact_file records one entry for the whole file
                email=values["email"],
                name=values.get("name", ""),
                language=values.get("language") or None,
                external_id=values.get("external_id") or None,
                customer_since=customer_since(values),
                attributes=attributes,
            )
        except ValidationError as error:  # refused before anything of the row was written
            report.errors.extend(
                {"row": line, "field": f, "reason": r} for f, rs in error.message_dict.items() for r in rs
            )
            continue
        set_tags(contact=contact, names=tags, replace=False)  # a file's tags add to the contact's
        report.created += created
        report.updated += not created
    return report
