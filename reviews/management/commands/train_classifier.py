from django.core.management.base import BaseCommand

from feedback_platform.activity import Actor
from reviews.training import FOLDS, ensure_model, train_classifier


class Command(BaseCommand):
    help = (
        "Build the learned classifiers from the shipped corpus and this installation's label corrections, "
        "measure them (k-fold CV and the held-out files) and activate the build unless its held-out figures "
        "are worse than the active model's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Activate even when a held-out figure is worse.")
        parser.add_argument("--folds", type=int, default=FOLDS, help="Cross-validation folds (below 2: none).")
        parser.add_argument("--if-missing", action="store_true", help="Build only when no model is active (make run).")

    def handle(self, *args, **options):
        actor = Actor.system("train_classifier")
        if options["if_missing"]:
            outcome = ensure_model(actor=actor, folds=options["folds"])
            if outcome is None:
                self.stdout.write("A model is active; nothing built.")
                return
        else:
            outcome = train_classifier(actor=actor, force=options["force"], folds=options["folds"])
        for language, figures in outcome.figures.items():
            held = figures.get("heldout") or {}
            cv = figures.get("cv") or {}
            self.stdout.write(
                f"{language}: {figures['training_rows']} training rows; "
                + _brief("cv", cv)
                + "; "
                + _brief("held-out", held)
            )
        self.stdout.write(f"version {outcome.version}: {outcome.reason}")


def _brief(name: str, figures: dict) -> str:
    if not figures:
        return f"{name} —"
    return (
        f"{name} sentiment F1 {figures['sentiment']['macro_f1']:.3f}, topics F1 {figures['topics']['macro_f1']:.3f}, "
        f"churn recall {figures['churn']['recall']:.3f} precision {figures['churn']['precision']:.3f}"
    )
