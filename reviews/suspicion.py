"""Signals of professional bad-review fraud (domain.md, from seed 002): never grounds to delete,
only to mark a review "do not engage" and send it to the review queue instead of replying."""

import hashlib
import re
from datetime import timedelta

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
_OFF_PLATFORM = re.compile(
    r"(wechat|whatsapp|telegram|line id|call me at|email me|\+?\d[\d\s-]{8,}\d"
    r"|微信|加我|联系我|私聊|qq|ＬＩＮＥ|ライン|連絡先)",
    re.IGNORECASE,
)


def assess(feedback: Feedback) -> tuple[bool, float, dict]:
    """(suspicious, score 0..1, reasons) for an imported review; other sources are never suspected."""
    if feedback.source != Source.IMPORT:
        return False, 0.0, {}
    reasons = {}
    extra = feedback.explanation.get("import", {}) if isinstance(feedback.explanation, dict) else {}
    age = _number(extra.get("account_age_days"))
    if age is not None and age < NEW_ACCOUNT_DAYS:
        reasons["new_account"] = f"reviewer account {age:g} days old"
    found = _OFF_PLATFORM.search(feedback.comment or "")
    if found:
        reasons["off_platform_contact"] = f"asks to move contact off-platform: {found.group(0)!r}"
    feedback.comment_hash = text_hash(feedback.comment)
    if feedback.comment_hash:
        # Look at a few rows only: one other author is already the signal, and common texts must stay cheap.
        sample = (
            Feedback.objects.filter(source=Source.IMPORT, comment_hash=feedback.comment_hash)
            .exclude(pk=feedback.pk)
            .exclude(author_name=feedback.author_name)
            .order_by()
            .values_list("author_name", flat=True)[:20]
        )
        others = len(set(sample))
        if others:
            reasons["same_text_other_authors"] = f"the same text from {others} other author(s)"
    if feedback.product_ref and feedback.segment == Segment.DETRACTOR:
        count, window = BURST
        recent = Feedback.objects.filter(
            product_ref=feedback.product_ref,
            segment=Segment.DETRACTOR,
            received_at__gte=feedback.received_at - window,
            received_at__lte=feedback.received_at + window,
        ).count()
        if recent >= count:
            reasons["low_score_burst"] = f"{recent} low scores on {feedback.product_ref} within a day"
    if str(extra.get("remote", "")).lower() in ("1", "true", "yes"):
        reasons["remote_address"] = "remote delivery address"
    score = min(1.0, sum(WEIGHTS[name] for name in reasons))
    return score >= SUSPICIOUS_AT, round(score, 2), {"score": round(score, 2), "reasons": reasons}


def text_hash(comment: str) -> str:
    """The same words, whatever the spacing and case; short texts ("Great!") are no signal."""
    text = " ".join((comment or "").split()).lower()
    return hashlib.sha256(text.encode()).hexdigest() if len(text) >= 12 else ""


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
