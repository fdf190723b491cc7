"""Signals `reviews` sends for `followup`."""

from django.dispatch import Signal

#: Sent inside the transaction that stored or re-classified a Feedback, with
#: ``feedback`` (reviews.models.Feedback) and ``created`` (False on a change of
#: an earlier answer). Not sent for demo history loaded by ``seed_demo``.
feedback_classified = Signal()
