"""What the learned classifiers read of a comment: hashed character and word n-grams plus the rule signals.

Character n-grams need no segmentation, so they work on Chinese and Japanese as they do on English; word
n-grams add English phrases ("not bad", "switching to"). Hashing (scikit-learn's HashingVectorizer, which
has no fitted state) means there is no vocabulary to store: a model keeps only the hashed columns it saw
at least twice, their IDF weights and its coefficients. The rule signals are the lexicons' and churn
phrases' findings (reviews.classify.sentiment/churn) and the topic keywords, as 0/1 columns after the
n-grams; they let a model lean on what people wrote down as meaning something.
"""

import re
from functools import cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from . import churn, sentiment

N_FEATURES = 2**20
_WORD = r"(?u)\b\w[\w']*\b"
# Per language: (analyzer, n-gram range) of each hashed block; block k's columns are offset by k * N_FEATURES.
# "tail_word" is word n-grams of the comment's last clause only (after the last sentence end or "but"): the
# README labels the writer's attitude at the end ("nice fabric, but the seller ignored me" is negative).
BLOCKS = {
    "en": (("char_wb", 1, 5), ("word", 1, 2), ("tail_word", 1, 2)),
    "zh-hans": (("char", 1, 4),),
    "ja": (("char", 1, 4),),
}
RULES = ("negative_phrase", "positive_phrase", "negated", "leaving", "looking", "disappointed", "venting")


_ANY_WORD = re.compile(r"\w")
_CLAUSE_END = re.compile(r"[.!?;]+\s+(?=\S)|\b(?:but|however|though|although|except|yet)\b", re.IGNORECASE)


def last_clause(text: str) -> str:
    """The lowered text after the last sentence end or contrast word that still leaves words after it ("tastes
    great though" stays whole); the whole text when there is none."""
    lowered = text.lower()
    for end in reversed([match.end() for match in _CLAUSE_END.finditer(lowered)]):
        if _ANY_WORD.search(lowered, end):
            return lowered[end:]
    return lowered


@cache
def vectorizers(language: str) -> tuple[HashingVectorizer, ...]:
    return tuple(
        HashingVectorizer(
            analyzer="word" if analyzer == "tail_word" else analyzer,
            preprocessor=last_clause if analyzer == "tail_word" else None,
            ngram_range=(low, high),
            n_features=N_FEATURES,
            alternate_sign=False,
            norm=None,
            token_pattern=_WORD,
            dtype=np.float32,
        )
        for analyzer, low, high in BLOCKS[language]
    )


@cache
def _analyzers(language: str) -> tuple:
    return tuple(vectorizer.build_analyzer() for vectorizer in vectorizers(language))


class Grams:
    """The n-grams of a batch of texts, each analysed and hashed once: their counts are what a model reads, and
    the n-grams themselves what an explanation maps its weightiest columns back to."""

    def __init__(self, words: list[str], columns: np.ndarray, bounds: np.ndarray, width: int):
        self.words, self.columns, self.bounds, self.width = words, columns, bounds, width

    def counts(self) -> sp.csr_matrix:
        """Raw n-gram counts, one row per text, columns in [0, width): sklearn's HashingVectorizer's matrix."""
        texts = len(self.bounds) - 1
        rows = np.repeat(np.arange(texts), np.diff(self.bounds))
        values = np.ones(len(self.columns), dtype=np.float32)
        matrix = sp.csr_matrix((values, (rows, self.columns)), shape=(texts, self.width))
        matrix.sum_duplicates()  # and sorts each row's columns, as the vectorizer leaves them
        return matrix

    def matching(self, index: int, columns: np.ndarray) -> list[tuple[int, str]]:
        """(column, n-gram) of text `index`'s n-grams whose hashed column is one of `columns`, in text order."""
        start, end = self.bounds[index], self.bounds[index + 1]
        mine = self.columns[start:end]
        found = np.flatnonzero((mine[:, None] == columns[None, :]).any(axis=1))  # a few columns: no sort
        return [(int(mine[k]), self.words[start + k]) for k in found]


def ngrams(texts: list[str], language: str) -> Grams:
    """Every n-gram of each text (block after block, as BLOCKS lists them) with its hashed column."""
    words: list[str] = []
    columns: list[int] = []
    bounds = [0]
    blocks = list(zip(_analyzers(language), _column_tables(language), strict=True))
    for text in texts:
        for analyzer, table in blocks:
            grams = analyzer(text)
            words += grams
            columns += map(table.__getitem__, grams)
        bounds.append(len(words))
    for table in _column_tables(language):
        table.trim()
    return Grams(words, np.asarray(columns, dtype=np.int64), np.asarray(bounds), len(blocks) * N_FEATURES)


def hashed(texts: list[str], language: str) -> sp.csr_matrix:
    """Raw n-gram counts, one row per text, columns in [0, blocks × N_FEATURES)."""
    return ngrams(texts, language).counts()


class _Columns(dict):
    """n-gram → its column in one block (the hash, offset by the block's place): n-grams repeat from text to
    text, and a dict look-up is cheaper than the hash. Emptied when it grows past MAX, between batches."""

    MAX = 1 << 18

    def __init__(self, offset: int):
        super().__init__()
        self.offset = offset

    def __missing__(self, gram: str) -> int:
        # sklearn's hashing: murmurhash3 of the UTF-8 bytes, seed 0, its absolute value modulo the width
        column = self[gram] = self.offset + abs(murmurhash3_32(gram, seed=0)) % N_FEATURES
        return column

    def trim(self) -> None:
        if len(self) > self.MAX:
            self.clear()


@cache
def _column_tables(language: str) -> tuple[_Columns, ...]:
    return tuple(_Columns(block * N_FEATURES) for block in range(len(BLOCKS[language])))


def _lexicon_hits(phrases: list[str], lowered: str, language: str) -> list[str]:
    found = [p for p in phrases if p in lowered]  # a substring test first: most phrases are not there at all
    if language == "en":
        return [p for p in found if _word_start(p).search(lowered)]
    return found


@cache
def _word_start(phrase: str) -> re.Pattern:
    return re.compile(rf"\b{re.escape(phrase)}")


def rule_signals(text: str, language: str, keywords: list[list[str]]) -> list[float]:
    """The rule columns of one text: lexicon and churn-phrase findings, then one per topic's keywords."""
    lowered = text.lower()
    negative = _lexicon_hits(sentiment.NEGATIVE[language], lowered, language)
    positive = _lexicon_hits(sentiment.POSITIVE[language], lowered, language)
    negated = [p for p in positive if any(f"{n}{p}" in lowered for n in sentiment.NEGATIONS[language])]
    values = [min(len(negative), 3) / 3, min(len(positive) - len(negated), 3) / 3, float(bool(negated))]
    for kind in ("leaving", "looking", "disappointed", "venting"):
        values.append(float(any(p in lowered for p in churn.PHRASES[kind][language])))
    values += [float(any(k.lower() in lowered for k in words)) for words in keywords]
    return values


def rule_matrix(texts: list[str], language: str, keywords: list[list[str]]) -> sp.csr_matrix:
    rows = [rule_signals(text, language, keywords) for text in texts]
    return sp.csr_matrix(np.asarray(rows, dtype=np.float32).reshape(len(texts), len(RULES) + len(keywords)))
