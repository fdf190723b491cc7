"""Every staff page, rendered in zh-hans and ja, shows no English catalogue source and no internal code.

The routes are the route matrix's (`tests/test_route_matrix.py`): every GET route that answers 200 with HTML to
an agent, a manager or an admin is rendered as that persona in each language, and what a person sees is read
from it: text nodes (not script/style) and the attributes people read (title, placeholder, aria-label, alt,
the value of input buttons). A piece fails when it is the msgid of a catalogue entry (so its translation was not
applied: an unmarked string, or one marked but rendered before activation) or looks like an internal code
(snake_case, a language code, day/week/month, a bare role code).

KNOWN_GAPS names the findings not fixed yet, so the walker can land before every page is clean: a new finding
fails the test, and a gap that is fixed must be removed from the list (it fails as stale) so the list only
shrinks. ALLOWED is what is honestly not translatable (kept short, each with its reason).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_route_matrix import PERSONAS, ROUTES, _fast_passwords, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "ja")
STAFF = ("agent", "manager", "admin")
CUSTOMER_PAGES = ("api-", "surveys:web_link", "surveys:widget", "surveys:answer", "surveys:unsubscribe")  # not staff
SEEN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
VOID_ELEMENTS = {"input", "img", "br", "hr", "meta", "link", "source", "area", "base", "col", "embed", "track", "wbr"}
CODE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$|^(?:day|week|month|en|ja|zh-hans|agent|manager|admin)$")
ALLOWED = {
    "NPS",  # the method's own name, written so in Chinese and Japanese practice too
    "CSAT",
    "CES",
    "CSV",  # a file format's name
    "API",
    "OK",
}
# Findings not fixed yet, as "url-name|text": a new one fails, a fixed one must be removed from here.
KNOWN_GAPS: set[str] = set()


def catalogue_sources() -> set[str]:
    """Every msgid of the zh-hans catalogue that is a whole sentence or word a page could show by itself."""
    po = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    return {e.msgid for e in po if e.msgid and e.msgstr and e.msgstr != e.msgid and "%" not in e.msgid}


class SeenText(HTMLParser):
    """The text nodes and read attributes of a page, stripped, outside script and style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden: list[str] = []  # the open elements whose text is not read

    def handle_starttag(self, tag, attrs):
        # script and style are not read; an element marked with its own lang (the language picker's
        # "English", "日本語", a survey text's field in the customer's language) is written so on purpose
        values = dict(attrs)
        own_language = "lang" in values and tag != "html"
        if (tag in ("script", "style", "template") or own_language) and tag not in VOID_ELEMENTS:
            self._hidden.append(tag)
        if own_language or self._hidden:
            return
        for name, value in attrs:
            if value and (name in SEEN_ATTRIBUTES or (name == "value" and self._is_button(tag, values))):
                self.pieces.append(value.strip())

    def handle_endtag(self, tag):
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.pieces.append(" ".join(data.split()))

    @staticmethod
    def _is_button(tag, values):
        # a <button>'s value is posted, never shown (its content is); an input button shows its value
        return tag == "input" and values.get("type") in ("submit", "button", "reset")


def staff_pages():
    """(route name, persona) for every HTML staff page a persona may open with GET."""
    for name, row in sorted(ROUTES.items()):
        if row.method != "GET" or name.startswith(
            ("api-", "surveys:web_link", "surveys:widget", "surveys:answer", "surveys:unsubscribe")
        ):
            continue
        for persona, status in zip(PERSONAS, row.statuses, strict=True):
            if persona in STAFF and status == 200:
                yield name, persona


def findings(html: str, sources: set[str]) -> set[str]:
    parser = SeenText()
    parser.feed(html)
    return {p for p in parser.pieces if p not in ALLOWED and (p in sources or CODE.match(p))}


def walk(client, world, language: str, sources: set[str]) -> set[str]:  # noqa: F811
    """Every staff page as each persona in one language: its findings as "url-name|text"."""
    found = set()
    for name, persona in staff_pages():
        row = ROUTES[name]
        url = reverse(name, kwargs=world["args"][row.target] if row.target else None)
        client.force_login(world["users"][persona])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        found |= {f"{name}|{text}" for text in findings(response.content.decode(), sources)}
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_staff_page_is_in_the_reader_s_language(client, world, language):  # noqa: F811
    new = sorted(walk(client, world, language, catalogue_sources()) - KNOWN_GAPS)
    assert not new, f"{language}: English or codes on staff pages:\n" + "\n".join(new)


def test_the_known_gaps_only_shrink(client, world):  # noqa: F811
    """A gap that no page shows any more in either language is removed from KNOWN_GAPS."""
    sources = catalogue_sources()
    still = set().union(*(walk(client, world, language, sources) for language in LANGUAGES))
    assert not KNOWN_GAPS - still, f"fixed, remove from KNOWN_GAPS: {sorted(KNOWN_GAPS - still)}"
