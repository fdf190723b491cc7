"""Word segmentation: Chinese and Japanese have no spaces, so jieba and MeCab split them.

Both load their dictionaries once per process, on first use.
"""

import logging
import re
from functools import cache

_LATIN_WORD = re.compile(r"[a-z0-9']+")


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@cache
def _mecab():
    import ipadic
    import MeCab

    return MeCab.Tagger(ipadic.MECAB_ARGS + " -Owakati")


def tokenize(text: str, language: str) -> list[str]:
    if language == "zh-hans":
        return [token for token in _jieba().lcut(text) if token.strip()]
    if language == "ja":
        return _mecab().parse(text).split()
    return _LATIN_WORD.findall(text.lower())


def merge_spans(spans) -> list[list[int]]:
    """Overlapping or touching [start, end) spans of one text joined, in order: phrases are highlighted and
    quoted once, never nested."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
