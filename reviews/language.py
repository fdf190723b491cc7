"""Language of a comment by Unicode script: kana means Japanese, Han without kana Chinese."""

import re

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, fallback: str = "") -> str:
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh-hans"
    if _LATIN.search(text):
        return "en"
    return fallback
