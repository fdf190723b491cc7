from django.core.management.base import BaseCommand

from reviews.evaluation import LANGUAGES, evaluate


class Command(BaseCommand):
    help = "Accuracy and macro-F1 of sentiment, topics and churn intent per language, on tests/data/labelled_*.tsv."

    def handle(self, *args, **options):
        self.stdout.write(
            f"{'language':<9} {'n':>4}  {'sentiment acc/F1':>17}  {'topics acc/F1':>14}  {'churn acc/F1':>13}"
        )
        for language in LANGUAGES:
            result = evaluate(language)
            cells = [f"{result[name][0]:.2f} / {result[name][1]:.2f}" for name in ("sentiment", "topics", "churn")]
            self.stdout.write(f"{language:<9} {result['n']:>4}  {cells[0]:>17}  {cells[1]:>14}  {cells[2]:>13}")
            if result["sentiment_confusions"]:
                confusions = ", ".join(f"{t}→{g} ×{n}" for (t, g), n in result["sentiment_confusions"])
                self.stdout.write(f"{'':<9} most common sentiment mistakes: {confusions}")
