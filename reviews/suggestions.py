"""Suggested topics: recent comments in which no topic's keyword occurs, grouped by the key phrases they share.

Per language, each comment's key phrases are its content words and pairs of adjacent content words, cut by
the segmenters the classifier uses (jieba, MeCab); function words, mood words ("great", "很好", "最悪") and
words the taxonomy already knows are left out, so a group names a subject, not a mood. Groups are taken
greedily: the phrase most comments share makes a group of those comments, its proposed keywords are the
phrases two thirds of them share, and they are set aside before the next phrase is counted. An admin
accepts one into the taxonomy (accept_suggestion), and the comments it matches get the topic at once.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from feedback_platform.activity import Actor, record_activity

from . import rollups
from .classify import sentiment, topics
from .classify.tokens import tokenize
from .models import Feedback, Topic
from .taxonomy import save_topic

LANGUAGES = ("en", "zh-hans", "ja")
WINDOW_DAYS = 90
NEWEST = 3000  # comments read per language: enough to see a theme, bounded work per page view and accept
MIN_SIZE = 3  # a group smaller than this is an anecdote, not a topic
MOST = 8  # suggestions per language
KEYWORDS = 5
EXAMPLES = 3

STOP_WORDS = {
    "en": ENGLISH_STOP_WORDS
    | {"app", "really", "just", "like", "get", "got", "im", "ive", "dont", "doesnt", "thing", "things", "time"}
    | {"decent", "fine", "okay", "special", "lovely", "bit", "little", "wish", "hope", "want", "need", "please"},
    "zh-hans": {
        "我们",
        "希望",
        "觉得",
        "你们",
        "他们",
        "这个",
        "那个",
        "一个",
        "没有",
        "什么",
        "怎么",
        "还是",
        "就是",
        "但是",
        "因为",
        "所以",
        "可以",
        "已经",
        "真的",
        "非常",
        "一下",
        "这次",
        "每次",
        "一直",
        "现在",
    },
    "ja": {
        "する",
        "いる",
        "ある",
        "なる",
        "こと",
        "もの",
        "ため",
        "よう",
        "これ",
        "それ",
        "あれ",
        "ここ",
        "そこ",
        "です",
        "ます",
        "でし",
        "まし",
        "今回",
        "とても",
        "本当に",
    },
}
_CJK = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]")  # kanji/hanzi or katakana: a content word in zh and ja


@dataclass
class Suggestion:
    language: str
    name: str  # the phrase every comment of the group shares
    keywords: list[str]
    feedback_ids: list[int] = field(repr=False)
    examples: list[str] = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.feedback_ids)

    @property
    def slug(self) -> str:
        """A slug for the new topic: the name's, or for a Chinese or Japanese name a stable one made from it."""
        return slugify(self.name)[:50] or f"topic-{hashlib.sha256(self.name.encode()).hexdigest()[:8]}"


def suggest(*, language: str | None = None, today=None) -> list[Suggestion]:
    """The suggested topics of each language (or one), largest first."""
    today = today or timezone.now()
    found: list[Suggestion] = []
    for code in (language,) if language else LANGUAGES:
        found += _groups(code, _unmatched(code, today))
    return found


def _recent(language: str, today) -> list[tuple[int, str]]:
    """The newest comments of the window, as (feedback id, comment)."""
    rows = (
        Feedback.objects.filter(language=language, received_at__gte=today - timedelta(WINDOW_DAYS))
        .exclude(comment="")
        .order_by("-received_at")
        .values_list("pk", "comment")[:NEWEST]
    )
    return list(rows)


def _unmatched(language: str, today) -> list[tuple[int, str]]:
    """The recent comments in which no keyword of the taxonomy occurs. Not "with no topic": the learned model
    gives most comments some topic, "dark mode" usability, and a subject nobody named would never surface."""
    taxonomy = topics.active_taxonomy()[1]
    return [(pk, text) for pk, text in _recent(language, today) if not topics.match(text, language, taxonomy)[0]]


def _groups(language: str, comments: list[tuple[int, str]]) -> list[Suggestion]:
    known = _known_words(language)
    phrases = {pk: key_phrases(text, language, known) for pk, text in comments}
    text_of = dict(comments)
    remaining = {pk for pk, found in phrases.items() if found}
    groups: list[Suggestion] = []
    while remaining and len(groups) < MOST:
        counts = Counter(phrase for pk in remaining for phrase in phrases[pk])
        # Most shared first; at a tie the longer phrase ("dark mode" over "mode"), then the alphabet: stable.
        name, n = min(counts.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
        if n < MIN_SIZE:
            break
        members = sorted((pk for pk in remaining if name in phrases[pk]), reverse=True)
        shared = Counter(phrase for pk in members for phrase in phrases[pk])
        candidates = [p for p, c in sorted(shared.items(), key=lambda i: (-i[1], i[0])) if c * 3 >= len(members) * 2]
        groups.append(
            Suggestion(
                language=language,
                name=name,
                keywords=_proposed_keywords(name, candidates, language),
                feedback_ids=members,
                examples=_distinct([text_of[pk] for pk in members])[:EXAMPLES],
            )
        )
        remaining -= set(members)
    return groups


def _distinct(texts: list[str]) -> list[str]:
    """Examples each once: the same comment twice says less than two comments."""
    return list(dict.fromkeys(texts))


def _proposed_keywords(name: str, candidates: list[str], language: str) -> list[str]:
    """The name first, then the phrases two thirds of the group share, leaving out a word of the name ("mode"
    of "dark mode": broader than what the group shares) and a phrase that holds a keyword already kept."""
    kept = [name]
    for phrase in candidates:
        if len(kept) == KEYWORDS:
            break
        if not _inside(phrase, name, language) and not any(_inside(k, phrase, language) for k in kept):
            kept.append(phrase)
    return kept


def _inside(short: str, long: str, language: str) -> bool:
    return f" {short} " in f" {long} " if language == "en" else short in long


def key_phrases(text: str, language: str, known: frozenset[str] = frozenset()) -> set[str]:
    """The content words of a comment and its pairs of adjacent content words; `known` words are left out."""
    words = [_fold(token, language) for token in tokenize(text, language)]
    content = [word if word not in known and _is_content(word, language) else "" for word in words]
    joiner = " " if language == "en" else ""
    pairs = {joiner.join(pair) for pair in zip(content, content[1:], strict=False) if all(pair)}
    return {word for word in content if word} | pairs


def _fold(token: str, language: str) -> str:
    """English plurals folded (the matcher takes "refund" for "refunds"); other languages as segmented."""
    token = token.lower().replace("'", "")
    if language == "en" and len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _is_content(word: str, language: str) -> bool:
    if word in STOP_WORDS[language]:
        return False
    if language == "en":
        return len(word) >= 3 and word.isalpha()
    return len(word) >= 2 and bool(_CJK.search(word))


@cache
def _mood_words(language: str) -> frozenset[str]:
    """The sentiment lexicons' single words ("great", "很好", "最悪"): how a customer feels, not about what."""
    phrases = sentiment.NEGATIVE[language] + sentiment.POSITIVE[language]
    return frozenset(_fold(p, language) for p in phrases if len(tokenize(p, language)) == 1)


def _known_words(language: str) -> frozenset[str]:
    """Mood words and every keyword of the taxonomy (a comment with one of those has a topic already)."""
    keywords = Topic.objects.values_list("keywords", flat=True)
    known = {_fold(word, language) for words in keywords for word in (words or {}).get(language, [])}
    return _mood_words(language) | known


@transaction.atomic
def accept_suggestion(*, actor: Actor, slug: str, name: str, language: str, keywords: list[str]) -> Topic:
    """A new topic from a suggestion (validated by its form): the recent comments of its language (the NEWEST
    of the window, as suggested) that its keywords match get it now, and the reports count them; newer ones
    get it when classified."""
    topic = save_topic(
        actor=actor, topic=Topic(slug=slug, name=name, names={language: name}, keywords={language: keywords})
    )
    taxonomy = [(topic.slug, topic.keywords)]
    tagged = []
    for feedback in Feedback.objects.filter(pk__in=[pk for pk, _text in _recent(language, timezone.now())]):
        slugs, why = topics.match(feedback.comment, language, taxonomy)
        if slugs:
            explanation = feedback.explanation or {}
            explanation["topics"] = {**explanation.get("topics", {}), **why}
            feedback.explanation = explanation
            tagged.append(feedback)
    Feedback.objects.bulk_update(tagged, ["explanation"], batch_size=500)
    topic.feedback.add(*tagged)
    rollups.rebuild_days(days=sorted({timezone.localdate(f.received_at) for f in tagged}))
    record_activity(
        actor=actor, action="reviews.topic.suggestion_accepted", target=topic, payload={"tagged": len(tagged)}
    )
    return topic
