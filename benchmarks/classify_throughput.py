"""Classification of a mixed-language comment stream by the learned classifiers, in comments per second on one
core, beside two limits measured in the same run on the same texts: the bare n-gram hashing every learned
model needs (reviews.classify.features.hashed, the floor) and the lexicon classifiers (what runs with no
model).

The stream is the shipped corpus's comments (en, zh-hans, ja interleaved, shuffled with a fixed seed, cycled to
--comments), batched as the background pipeline would: language detected, grouped, --batch at a time.
The model is built in-process from the corpus (no cross-validation) unless --active reads the database's.

Usage: .venv/bin/python benchmarks/classify_throughput.py [--comments 30000] [--batch 500] [--lexicon 3000]
"""

import argparse
import random
import time

from _setup import setup_django


def stream(count: int) -> list[str]:
    from reviews import training_data

    texts = [row["text"] for language in training_data.LANGUAGES for row in training_data.load(language)]
    random.Random(7).shuffle(texts)
    return [texts[i % len(texts)] for i in range(count)]


def timed(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def by_language(texts: list[str]) -> dict[str, list[str]]:
    from reviews.language import detect_language

    groups: dict[str, list[str]] = {}
    for text in texts:
        groups.setdefault(detect_language(text) or "en", []).append(text)
    return groups


def learned(models, texts: list[str], batch: int, explain: bool) -> None:
    for language, group in by_language(texts).items():
        model = models[language]
        for start in range(0, len(group), batch):
            model.predict(group[start : start + batch], explain=explain)


def hashing_only(texts: list[str], batch: int) -> None:
    from reviews.classify import features

    for language, group in by_language(texts).items():
        for start in range(0, len(group), batch):
            features.hashed(group[start : start + batch], language)


def lexicons(texts: list[str]) -> None:
    from reviews.classify import classify_text
    from reviews.language import detect_language
    from reviews.models import Topic

    taxonomy = [(t.slug, t.keywords) for t in Topic.objects.filter(is_active=True)]
    for text in texts:
        classify_text(text, detect_language(text) or "en", taxonomy=taxonomy)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=30000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--lexicon", type=int, default=3000, help="comments for the lexicon comparison")
    parser.add_argument("--active", action="store_true", help="use the database's active model")
    args = parser.parse_args()
    setup_django(database="bench_classify", redis_db=2)
    from reviews.classify import warm_up
    from reviews.classify.learned import active_model
    from reviews.training import build_models

    built = time.perf_counter()
    models = active_model() if args.active else build_models(folds=0)[0]
    print(f"model: {'active' if args.active else 'built in-process'} in {time.perf_counter() - built:.1f} s")
    texts = stream(args.comments)
    warm_up()
    learned(models, texts[:200], args.batch, True)  # first-use costs (analyzers, caches) out of the timing
    rows = [
        ("bare limit: n-gram hashing only", args.comments, timed(lambda: hashing_only(texts, args.batch))),
        ("learned labels", args.comments, timed(lambda: learned(models, texts, args.batch, False))),
        ("learned labels + explanations", args.comments, timed(lambda: learned(models, texts, args.batch, True))),
        ("lexicon classifiers (no model)", args.lexicon, timed(lambda: lexicons(texts[: args.lexicon]))),
    ]
    languages = {language: len(group) for language, group in by_language(texts).items()}
    print(f"{args.comments} comments ({', '.join(f'{k} {v}' for k, v in languages.items())}), batches of {args.batch}")
    print(f"{'':<34}{'comments/s (wall)':>20}{'per core (CPU)':>18}")
    for name, count, (wall, cpu) in rows:
        print(f"{name:<34}{count / wall:>20,.0f}{count / max(cpu, 1e-9):>18,.0f}")


if __name__ == "__main__":
    main()
