from django.core.management.base import BaseCommand

from reviews.evaluation import evaluate_lexicons
from reviews.training_data import LANGUAGES


class Command(BaseCommand):
    help = "Figures of the lexicon classifiers on tests/data/labelled_*.tsv (in-sample)."

    def handle(self, *args, **options):
        for language in LANGUAGES:
            result = evaluate_lexicons(language)
            self.stdout.write(
                f"{language:<9} n={result['n']} sentiment acc {result['sentiment']['accuracy']:.2f} "
                f"F1 {result['sentiment']['macro_f1']:.2f}; topics F1 {result['topics']['macro_f1']:.2f}; "
                f"churn F1 {result['churn']['macro_f1']:.2f}"
            )
