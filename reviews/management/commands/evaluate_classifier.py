"""Per language: the learned classifiers' k-fold cross-validated figures on the training corpus beside their
figures on the held-out files (never tuned on), with the lexicons' held-out figures as the baseline.

Builds the model as train_classifier does (same configuration, same seeds) but stores nothing. While
tuning, use --cv-only: the held-out files are measured only once the configuration is chosen.
"""

from django.core.management.base import BaseCommand

from reviews import training, training_data
from reviews.evaluation import lexicon_guesses, measure

CHURN_DEFINITION = (
    "churn intent = the churn kind is leaving or looking (going, or shopping around); "
    "disappointed, venting and none count as no churn intent"
)


class Command(BaseCommand):
    help = "K-fold cross-validated and held-out figures of the learned classifiers, per language."

    def add_arguments(self, parser):
        parser.add_argument("--cv-only", action="store_true", help="Only cross-validation (while tuning).")
        parser.add_argument("--folds", type=int, default=training.FOLDS)
        parser.add_argument("--language", action="append", choices=training_data.LANGUAGES)

    def handle(self, *args, **options):
        self.stdout.write(CHURN_DEFINITION)
        results = training.cross_validate(options["language"], folds=options["folds"])
        for language, (model, cv, n) in results.items():
            columns, names = [cv], [f"{options['folds']}-fold CV"]
            heldout_rows = [] if options["cv_only"] else training_data.load(language, "heldout")
            if heldout_rows:
                columns += [training.measure_model(model, heldout_rows)]
                columns += [measure(heldout_rows, lexicon_guesses(heldout_rows, language))]
                names += ["held-out", "lexicons, held-out"]
            self.stdout.write(f"\n== {language}: {n} training rows, {len(heldout_rows)} held-out rows")
            self._table(names, columns)

    def _table(self, names: list[str], columns: list[dict]) -> None:
        self.stdout.write(f"{'':<34}" + "".join(f"{name:>20}" for name in names))
        for label, pick in self._lines(columns[0]):
            self.stdout.write(f"{label:<34}" + "".join(f"{pick(c):>20.3f}" for c in columns))
        for group in ("sentiment", "churn"):
            classes = columns[0][group]["classes"]
            self.stdout.write(f"{group} confusion (rows: truth, columns: guess {' / '.join(classes)})")
            for i, truth in enumerate(classes):
                cells = ["  ".join(f"{v:>4}" for v in c[group]["confusion"][i]) for c in columns]
                self.stdout.write(f"  {truth:<14}" + "   |   ".join(cells))

    @staticmethod
    def _lines(figures: dict):
        yield "sentiment accuracy", lambda c: c["sentiment"]["accuracy"]
        yield "sentiment macro-F1", lambda c: c["sentiment"]["macro_f1"]
        for label in training_data.SENTIMENTS:
            yield f"  F1 {label}", lambda c, k=label: c["sentiment"]["per_class_f1"][k]
        yield "churn-intent recall", lambda c: c["churn"]["recall"]
        yield "churn-intent precision", lambda c: c["churn"]["precision"]
        yield "churn 5-kind accuracy", lambda c: c["churn"]["accuracy"]
        yield "churn 5-kind macro-F1", lambda c: c["churn"]["macro_f1"]
        for label in training_data.CHURN_KINDS:
            yield f"  F1 {label}", lambda c, k=label: c["churn"]["per_class_f1"][k]
        yield "topic macro-F1", lambda c: c["topics"]["macro_f1"]
        yield "topic exact-set accuracy", lambda c: c["topics"]["exact_set_accuracy"]
        for slug in figures["topics"]["per_topic_f1"]:
            yield f"  F1 {slug}", lambda c, k=slug: c["topics"]["per_topic_f1"][k]
