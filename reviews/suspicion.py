"""Signals of professional bad-review fraud (domain.md, from seed 002): never grounds to delete,
only to mark a review "do not engage" and send it to the review queue instead of replying."""

import hashlib
import re
from datetime import timedelta

from django.db import connection
from django.db.models import Count, OuterRef, Subquery

from .models import Feedback, Segment, Source

WEIGHTS = {
    "new_account": 0.35,
    "off_platform_contact": 0.45,
    "same_text_other_authors": 0.4,
    "low_score_burst": 0.3,
    "remote_address": 0.2,
}
SUSPICIOUS_AT = 0.5
NEW_ACCOUNT_DAYS = 7
BURST = (5, timedelta(hours=24))  # this many low scores on one product within this time
SAMPLE = 20  # rows read per text when looking for other authors of it
TABLE = Feedback._meta.db_table
_OFF_PLATFORM = re.compile(
    r"(wechat|whatsapp|telegram|line id|call me at|email me|\+?\d[\d\s-]{8,}\d"
    r"|微信|加我|联系我|私聊|qq|ＬＩＮＥ|ライン|連絡先)",
    re.IGNORECASE,
)


def assess(rows: list[Feedback]) -> dict[int, tuple[bool, float, dict]]:
    """(suspicious, score 0..1, reasons) of each row by pk, for imported reviews; other sources are never
    suspected. Two queries for the whole batch, whatever its size."""
    imported = [row for row in rows if row.source == Source.IMPORT]
    others, bursts = _other_authors(imported), _low_score_bursts(imported)
    verdicts = {row.pk: (False, 0.0, {}) for row in rows}
    for row in imported:
        verdicts[row.pk] = _verdict(row, others.get(row.pk, 0), bursts.get(row.pk, 0))
    return verdicts


def _verdict(feedback: Feedback, other_authors: int, recent_low_scores: int) -> tuple[bool, float, dict]:
    reasons = {}
    extra = feedback.explanation.get("import", {}) if isinstance(feedback.explanation, dict) else {}
    age = _number(extra.get("account_age_days"))
    if age is not None and age < NEW_ACCOUNT_DAYS:
        reasons["new_account"] = f"reviewer account {age:g} days old"
    found = _OFF_PLATFORM.search(feedback.comment or "")
    if found:
        reasons["off_platform_contact"] = f"asks to move contact off-platform: {found.group(0)!r}"
    if other_authors:
        reasons["same_text_other_authors"] = f"the same text from {other_authors} other author(s)"
    if recent_low_scores >= BURST[0]:
        reasons["low_score_burst"] = f"{recent_low_scores} low scores on {feedback.product_ref} within a day"
    if str(extra.get("remote", "")).lower() in ("1", "true", "yes"):
        reasons["remote_address"] = "remote delivery address"
    score = min(1.0, sum(WEIGHTS[name] for name in reasons))
    return score >= SUSPICIOUS_AT, round(score, 2), {"score": round(score, 2), "reasons": reasons}


def _other_authors(rows: list[Feedback]) -> dict[int, int]:
    """How many other authors imported the same text, by pk. A row's text is looked up by its stored hash, so
    hashes that are missing or stale are stored first. Only a few rows are read per text (SAMPLE): one other
    author is already the signal, and common texts must stay cheap."""
    stale = [row for row in rows if row.comment_hash != text_hash(row.comment)]
    for row in stale:
        row.comment_hash = text_hash(row.comment)
    if stale:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {TABLE} SET comment_hash = %s WHERE id = %s",  # noqa: S608 (the model's table)
                [(row.comment_hash, row.pk) for row in stale],
            )
    ids = [row.pk for row in rows if row.comment_hash]
    if not ids:
        return {}
    statement = (
        f"SELECT f.id, (SELECT COUNT(DISTINCT sample.author_name) FROM ("  # noqa: S608 (the model's table)
        f"SELECT o.author_name FROM {TABLE} o WHERE o.source = %s AND o.comment_hash = f.comment_hash "
        f"AND o.author_name <> f.author_name LIMIT {SAMPLE}) sample) FROM {TABLE} f WHERE f.id IN "
        f"({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [Source.IMPORT, *ids])
        return dict(cursor.fetchall())


def _low_score_bursts(rows: list[Feedback]) -> dict[int, int]:
    """How many low scores the row's product had within BURST's window around it (itself included), by pk,
    for the detractors with a product."""
    ids = [row.pk for row in rows if row.product_ref and row.segment == Segment.DETRACTOR]
    if not ids:
        return {}
    window = BURST[1]
    recent = (
        Feedback.objects.filter(
            product_ref=OuterRef("product_ref"),
            segment=Segment.DETRACTOR,
            received_at__gte=OuterRef("received_at") - window,
            received_at__lte=OuterRef("received_at") + window,
        )
        .order_by()
        .values("product_ref")
        .annotate(count=Count("*"))  # not a column: the partial index alone answers it
        .values("count")
    )
    counted = Feedback.objects.filter(pk__in=ids).annotate(recent=Subquery(recent)).values_list("pk", "recent")
    return {pk: count or 0 for pk, count in counted}


def text_hash(comment: str) -> str:
    """The same words, whatever the spacing and case; short texts ("Great!") are no signal."""
    text = " ".join((comment or "").split()).lower()
    return hashlib.sha256(text.encode()).hexdigest() if len(text) >= 12 else ""


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
