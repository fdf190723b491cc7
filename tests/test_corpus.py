"""The shipped corpus (reviews/corpus/) parses and obeys its README's rules."""

import csv
import unicodedata

import pytest

from reviews import training_data

HEADER = ["sentiment", "churn", "topics", "register", "text"]
REGISTERS = {"app-store", "support-email", "ecommerce", "food-delivery", "saas", "survey", "social", "keigo"}
# The README's floors: at least 1,500 training and 300 held-out comments a language.
MINIMUM = {"train": {"en": 1500, "ja": 1500, "zh-hans": 1500}, "heldout": {"en": 300, "ja": 300, "zh-hans": 300}}
SPLITS = [(language, split) for language in training_data.LANGUAGES for split in ("train", "heldout")]


def raw_rows(language: str, split: str) -> list[list[str]]:
    with training_data.path(language, split).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def key(text: str) -> str:
    """What "the same comment" means for the duplicate check: letters and digits, case and width folded
    (emoji, punctuation and spaces are not a different comment)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@pytest.mark.parametrize(("language", "split"), SPLITS)
def test_each_file_has_the_format_and_valid_labels(language, split):
    rows = raw_rows(language, split)
    assert rows[0] == HEADER
    assert len(rows) - 1 >= MINIMUM[split][language]
    for number, row in enumerate(rows[1:], start=2):
        where = f"{language} {split} line {number}"
        assert len(row) == 5, where
        sentiment, churn, topics, register, text = row
        assert sentiment in training_data.SENTIMENTS, where
        assert churn in training_data.CHURN_KINDS, where
        assert topics == "none" or set(topics.split(",")) <= set(training_data.DEFAULT_TOPICS), where
        assert register in REGISTERS and (register != "keigo" or language == "ja"), where
        assert text.strip() == text and text, where
        # Churn is a detractor's kind: a positive or neutral comment has none.
        assert churn == "none" or sentiment == "negative", where


@pytest.mark.parametrize("language", training_data.LANGUAGES)
def test_no_comment_repeats_within_or_across_the_training_and_held_out_files(language):
    seen: dict[str, str] = {}
    for split in ("heldout", "train"):
        for number, row in enumerate(raw_rows(language, split)[1:], start=2):
            found = key(row[4])
            if not found:  # the one emoji-only line (README)
                continue
            assert found not in seen, f"{language} {split} line {number} repeats {seen[found]}"
            seen[found] = f"{split} line {number}"


@pytest.mark.parametrize("language", training_data.LANGUAGES)
def test_the_loader_reads_both_formats(language):
    shipped = training_data.load(language, "train")
    assert shipped[0]["register"] and isinstance(shipped[0]["topics"], list)
    old = training_data.read(training_data.OLD_DATA / f"labelled_{language}.tsv")
    assert old and old[0]["register"] == "" and old[0]["sentiment"] in training_data.SENTIMENTS
