"""The labelled comments the learned classifiers are built and measured on.

`reviews/corpus/<lang>.tsv` is the training set (cross-validation folds are cut from it) and
`reviews/corpus/heldout/<lang>.tsv` the held-out test set, which is only ever measured, never tuned on
(see reviews/corpus/README.md for the format and the labelling rules). Before the shipped corpus existed the
150-odd comments of `tests/data/labelled_<lang>.tsv` (no `register` column) stood in; `load` reads both.
A row is a dict: sentiment, churn, topics (a sorted list of slugs), register, text.
"""

import csv
import hashlib
import json
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
CORPUS = BASE / "reviews" / "corpus"
OLD_DATA = BASE / "tests" / "data"
LANGUAGES = ["en", "zh-hans", "ja"]
SENTIMENTS = ["negative", "neutral", "positive"]
CHURN_KINDS = ["leaving", "looking", "disappointed", "venting", "none"]
# "Churn intent" as a yes/no figure: the customer is going or shopping around.
CHURN_POSITIVE = ("leaving", "looking")
DEFAULT_TOPICS = ["delivery", "price", "product_quality", "customer_service", "usability", "billing", "refunds"]


def path(language: str, split: str) -> Path:
    """The file of one split ("train" or "heldout"); the old test data when the corpus has no such file."""
    shipped = CORPUS / f"{language}.tsv" if split == "train" else CORPUS / "heldout" / f"{language}.tsv"
    if shipped.exists() or split == "heldout":
        return shipped
    return OLD_DATA / f"labelled_{language}.tsv"


def load(language: str, split: str = "train") -> list[dict]:
    """The rows of one language's split, in file order; [] when the file does not exist."""
    return read(path(language, split))


def read(source: Path) -> list[dict]:
    if not source.exists():
        return []
    with source.open(encoding="utf-8", newline="") as handle:
        return [parse(raw) for raw in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def parse(raw: dict) -> dict:
    topics = (raw.get("topics") or "none").strip()
    return {
        "sentiment": (raw.get("sentiment") or "").strip(),
        "churn": (raw.get("churn") or "").strip(),
        "topics": [] if topics == "none" else sorted(t.strip() for t in topics.split(",")),
        "register": (raw.get("register") or "").strip(),
        "text": (raw.get("text") or "").strip(),
    }


def fingerprint(rows_by_language: dict[str, list[dict]], configuration: dict) -> str:
    """SHA-256 over every training row (in order) and the configuration: the same fingerprint builds the
    same weights."""
    digest = hashlib.sha256(json.dumps(configuration, sort_keys=True).encode())
    for language in sorted(rows_by_language):
        for row in rows_by_language[language]:
            line = [language, row["sentiment"], row["churn"], ",".join(row["topics"]), row["text"]]
            digest.update(("\t".join(line) + "\n").encode())
    return digest.hexdigest()
