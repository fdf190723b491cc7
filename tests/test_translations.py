"""The translation catalogues: complete, and each source text once (git merges them as a union, so two
branches adding the same text leave it twice, which gettext's tools refuse)."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted(Path(settings.BASE_DIR).glob("feedback_platform/locale/*/LC_MESSAGES/django.po"))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_each_catalogue_is_complete_and_has_each_text_once(path):
    catalogue = polib.pofile(str(path))
    keys = [(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete]
    assert sorted({key for key in keys if keys.count(key) > 1}) == []
    assert catalogue.percent_translated() == 100
    assert not catalogue.fuzzy_entries()


def test_both_languages_are_there():
    assert {path.parts[-3] for path in CATALOGUES} == {"ja", "zh_Hans"}
