"""Text no database here can store: NUL (PostgreSQL refuses it in text and in JSON) and unpaired surrogates
(JSON's "\\ud800" escapes; they have no UTF-8 form). The one rule, asked at every entry point: the API's
parser, the row checks of files and batches (surveys.contact_rows, reviews.rows), the widget."""

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE = _("contains a NUL character or an unpaired surrogate, which cannot be stored")


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def unstorable_paths(value: Any, path: str = "") -> list[str]:
    """Where in a parsed JSON value (keys included) such text is: "comment", "attributes.plan", "[3].name";
    empty when there is none."""
    if isinstance(value, str):
        return [] if is_storable(value) else [path or "value"]
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not is_storable(key):
                found.append(inner)
            found.extend(unstorable_paths(item, inner))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(unstorable_paths(item, f"{path}[{index}]"))
    return found
