"""The one check of a contact row, for every way contacts arrive: a CSV or XLSX file (surveys.contacts_import)
and the API (surveys.api.ContactSerializer). tests/surveys/test_contact_rows.py sends the same rows both ways."""

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def check_contact_row(values: Mapping[str, object]) -> dict[str, str]:
    """Field → reason for each value a contact cannot have; empty for a good row. Values are as sent: text
    from a file, or what the API's JSON carried (an empty or missing optional value is fine)."""
    problems = {}
    email = str(values.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = f"not an email address: {email!r}"
    language = str(values.get("language") or "").strip()
    if language and language not in LANGUAGES:
        problems["language"] = f"unknown language {language!r}; use en, zh-hans or ja"
    since = str(values.get("customer_since") or "").strip()
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            problems["customer_since"] = f"not a date such as 2026-01-31: {since!r}"
    return problems


def customer_since(values: Mapping[str, object]) -> date | None:
    """The checked row's customer-since date, or None when it has none."""
    since = str(values.get("customer_since") or "").strip()
    return date.fromisoformat(since) if since else None
