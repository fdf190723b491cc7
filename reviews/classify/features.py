"""What the learned classifiers read of a comment: hashed character and word n-grams plus the rule signals.

Character n-grams need no segmentation, so they work on Chinese and Japanese as they do on English; word
n-grams add English phrases ("not bad", "switching to"). Hashing (scikit-learn's HashingVectorizer, which
has no fitted state) means there is no vocabulary to store: a model keeps only the hashed columns it saw
at least twice, their IDF weights and its coefficients. The rule signals are the lexicons' and churn
phrases' findings (reviews.classify.sentiment/churn) and the topic keywords, as 0/1 columns after the
n-grams; they let a model lean on what people wrote down as meaning something.
"""

import re
from functools import cache, lru_cache

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


def hashed(texts: list[str], language: str) -> sp.csr_matrix:
    """Raw n-gram counts, one row per text, columns in [0, blocks × N_FEATURES)."""
    blocks = [vectorizer.transform(texts) for vectorizer in vectorizers(language)]
    matrix = blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")
    return matrix.tocsr()


def ngrams_of(text: str, language: str) -> list[tuple[int, str]]:
    """(hashed column, n-gram) of every n-gram of `text`: how an explanation finds the words behind a column."""
    found = []
    for block, analyzer in enumerate(_analyzers(language)):
        offset = block * N_FEATURES
        found.extend((offset + _column(gram), gram) for gram in analyzer(text))
    return found


@lru_cache(maxsize=1 << 18)  # n-grams repeat from text to text, and a look-up is cheaper than the hash
def _column(gram: str) -> int:
    return abs(murmurhash3_32(gram, seed=0)) % N_FEATURES


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
