"""What staff read for the codes the follow-up stores: e-mail template keys and priority factors.

The codes stay in the database, the API and URLs; pages show these names (a key an admin made up has no name
here and is shown as typed).
"""

from django.utils.translation import gettext_lazy as _

TEMPLATE_KEY_NAMES = {
    "apology": _("Apology"),
    "thank_you": _("Thank you"),
    "promoter_thanks": _("Thanks to a promoter"),
    "review_invitation": _("Review invitation"),
    "resolution": _("Resolution"),
    "reply": _("Reply"),
}
FACTOR_NAMES = {
    "score": _("Score"),
    "negative_sentiment": _("Negative sentiment"),
    "churn_intent": _("Churn intent"),
    "high_value": _("High-value customer"),
    "new_customer": _("New customer"),
    "repeat_detractor": _("Repeat detractor"),
    "public_review": _("Public review"),
    "reopened_by_customer": _("Reopened by the customer"),
    "rule_floor": _("Rule's priority floor"),
}
