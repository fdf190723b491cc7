"""Signals `surveys` sends for the apps to its right (reviews, followup)."""

from django.dispatch import Signal

#: Sent inside the transaction that stores a customer's answer, with
#: ``answer`` (surveys.models.Answer) and ``created`` (False when the customer
#: changed an earlier answer). Receivers must only schedule work for after the
#: commit (the answer is saved first, whatever happens downstream). Not sent for
#: demo data loaded in bulk or for an answer that fails validation.
answer_recorded = Signal()
