"""The one check of a contact row, for every way contacts arrive: a CSV or XLSX file (surveys.contacts_import)
and the API (surveys.api.ContactSerializer). tests/surveys/test_contact_rows.py sends the same rows both ways."""

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from feedback_platform.cleantext import UNSTORABLE, is_storable, unstorable_paths

from .models.contacts import REPORTED_ATTRIBUTES, Contact

LANGUAGES = {code for code, _name in settings.LANGUAGES}
#: The contact's text columns and their lengths, from the model.
TEXT_COLUMNS: dict[str, int] = {
    field.name: field.max_length
    for field in Contact._meta.concrete_fields
    if field.name in ("email", "name", "external_id") and field.max_length
}
ATTRIBUTE_MAX_LENGTH = 1000  # an attribute no report groups by: a note, an id, a lifetime value


def check_contact_row(values: Mapping[str, object]) -> dict[str, str]:
    """Field → reason for each value a contact cannot have; empty for a good row. Values are as sent: text
    from a file, or what the API's JSON carried (an empty or missing optional value is fine)."""
    problems = {}
    for name, limit in TEXT_COLUMNS.items():
        text = str(values.get(name) or "").strip()
        if len(text) > limit:
            problems[name] = f"longer than {limit} characters ({len(text)})"
        elif not is_storable(text):
            problems[name] = str(UNSTORABLE)
    email = str(values.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        problems.setdefault("email", f"not an email address: {email!r}")
    language = str(values.get("language") or "").strip()
    if language and language not in LANGUAGES:
        problems["language"] = f"unknown language {language!r}; use en, zh-hans or ja"
    since = str(values.get("customer_since") or "").strip()
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            problems["customer_since"] = f"not a date such as 2026-01-31: {since!r}"
    attributes = attribute_problems(values.get("attributes"))
    if attributes:
        problems["attributes"] = "; ".join(f"{name}: {reason}" for name, reason in attributes.items())
    return problems


def attribute_problems(attributes: object) -> dict[str, str]:
    """Attribute name → reason for each value a contact's attributes cannot have: an object of names and
    plain values, each short enough for the report column it reaches (REPORTED_ATTRIBUTES)."""
    if attributes in (None, ""):
        return {}
    if not isinstance(attributes, Mapping):
        return {"attributes": 'an object of names and values, such as {"plan": "pro"}'}
    problems = {}
    for name, value in attributes.items():
        limit = REPORTED_ATTRIBUTES.get(name, ATTRIBUTE_MAX_LENGTH)
        if value is not None and not isinstance(value, str | int | float | bool):
            problems[name] = "a text, a number, true/false or null"
        elif len(str(name)) > 100 or len(str(value or "")) > limit:
            problems[name] = f"longer than {limit} characters"
        elif unstorable_paths({name: value}):
            problems[name] = str(UNSTORABLE)
    return problems


def customer_since(values: Mapping[str, object]) -> date | None:
    """The checked row's customer-since date, or None when it has none."""
    since = str(values.get("customer_since") or "").strip()
    return date.fromisoformat(since) if since else None
