"""Signals `reviews` sends for `followup`."""

from django.dispatch import Signal

#: Sent inside the transaction that stored or re-classified a Feedback, with
#: ``feedback`` (reviews.models.Feedback) and ``created`` (False on a change of
#: an earlier answer). Not sent for demo history loaded by ``seed_demo``.
feedback_classified = Signal()

#: Sent inside the transaction of ``reviews.thresholds.reclassify``, after one UPDATE re-segmented every
#: stored Feedback of ``kind`` and ``scale_max`` (str, int), so copies of the segment can follow in the same
#: set-based way. Not sent per feedback, and ``feedback_classified`` is not sent for these rows: nothing is
#: acted on again (no rule fires, no apology leaves) because an admin moved a threshold.
segments_reclassified = Signal()

#: Sent inside the transaction of ``reviews.corrections.correct_label`` after a person changed a label of
#: ``feedback`` (kind: sentiment, churn, topic_added, topic_removed), so `followup` can recompute the open
#: case's priority and routing at once.
label_corrected = Signal()
