"""Topics from the admin-edited taxonomy: keywords per language, matched on words, not bytes."""

from .tokens import tokenize


def match(text: str, language: str, taxonomy=None) -> tuple[list[str], dict]:
    """The topic slugs whose keywords occur, and the keywords that matched each.

    `taxonomy` is a list of (slug, {language: [keywords]}); by default the active Topic rows.
    """
    if taxonomy is None:
        taxonomy = active_taxonomy()[1]
    if not taxonomy:  # the learned model's own topics, none added since: nothing to segment the text for
        return [], {}
    tokens = tokenize(text, language)
    words = set(tokens)
    lowered = text.lower()
    matched = {}
    for slug, keywords in taxonomy:
        hits = [k for k in keywords.get(language, []) if _occurs(k.lower(), words, tokens, lowered, language)]
        if hits:
            matched[slug] = hits
    return sorted(matched), {slug: {"phrases": hits} for slug, hits in matched.items()}


def active_taxonomy() -> tuple[dict[str, int], list[tuple[str, dict]]]:
    """The active topics: their ids by slug, and (slug, {language: [keywords]}) in a stable order, which
    labelling reads."""
    from reviews.models import Topic

    active = list(Topic.objects.filter(is_active=True).order_by("pk"))
    return {t.slug: t.pk for t in active}, [(t.slug, t.keywords) for t in active]


def _occurs(keyword, words, tokens, lowered, language) -> bool:
    if language == "en":
        parts = keyword.split()
        if len(parts) > 1:
            return keyword in lowered
        return any(word == keyword or word.startswith(keyword) and len(keyword) >= 4 for word in words)
    # Segmented words first; a keyword the segmenter split (配送料 → 配送 料) still counts as a phrase.
    return keyword in words or keyword in "".join(tokens)
