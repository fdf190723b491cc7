from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """ACT: rules, cases, the customer email outbox, escalation and re-survey."""

    name = "followup"

    def ready(self):
        from feedback_platform import erasure as registry

        from . import erasure

        registry.register("followup", order=registry.FOLLOWUP, erase=erasure.erase_person, export=erasure.export_person)
        from feedback_platform import visibility
        from reviews.models import Feedback
        from reviews.signals import segments_reclassified
        from surveys.models import Contact

        from . import receivers  # noqa: F401  (connects the reviews signal)
        from .visibility import visible_contacts, visible_feedback

        visibility.register(Contact, visible_contacts)
        visibility.register(Feedback, visible_feedback)

        segments_reclassified.connect(follow_reclassified_segments, dispatch_uid="followup.follow_segments")


def follow_reclassified_segments(sender, *, kind: str, scale_max: int, **kwargs) -> None:
    """A threshold change re-segmented stored feedback in one UPDATE: the cases' copies follow in one more,
    in the same transaction, so the queue never filters on a segment the feedback no longer has.

    Copied set-based rather than announced per feedback: re-classification must not re-run the rules (no
    apology for an old answer because a threshold moved), and a million rows cost two statements. The copy
    stays (rather than the queue joining the feedback) because the queue's filters and counts read cases only.
    """
    from .models import Case

    Case.objects.filter(feedback__kind=kind, feedback__scale_max=scale_max).copy_feedback_segments()
