"""Phrases that drove a label are marked once, never nested, even when they overlap (reviews.classify.tokens
.merge_spans, shared by the case page's highlight and the learned classifier's reasons)."""

from types import SimpleNamespace

from followup.templatetags.casework import highlight_labels
from reviews.classify.tokens import merge_spans


def test_overlapping_and_touching_spans_become_one():
    assert merge_spans([[5, 9], [0, 3], [2, 6], [12, 14], [14, 15]]) == [[0, 9], [12, 15]]
    assert merge_spans([]) == []


def test_the_case_page_marks_overlapping_phrases_once():
    feedback = SimpleNamespace(
        comment="The parcel arrived late <again>",
        explanation={"sentiment": {"phrases": ["arrived late", "late"]}, "topics": {"matched": ["parcel arrived"]}},
    )
    html = str(highlight_labels(feedback))
    assert html.count("<mark") == 1 and "<mark" not in html.split("</mark>", 1)[1]
    assert "parcel arrived late</mark>" in html and "&lt;again&gt;" in html
