"""What a user may see beyond cases, derived from the one case rule (`Case.objects.visible_to`).

A support team works customers, not single answers: an agent sees a contact once one of their teams has a
case for them, and then all of that customer's feedback (as the case page's history shows it); feedback
with no contact only through its own case. Managers and admins see every case, hence everything.
Registered with the base's `feedback_platform.visibility` in `FollowupConfig.ready`.
"""

from django.db.models import Q, QuerySet

from .models import Case
from .models.cases import sees_every_case


def visible_contacts(user, contacts: QuerySet) -> QuerySet:
    if sees_every_case(user):
        return contacts
    return contacts.filter(pk__in=_their_customers(user))


def visible_feedback(user, feedback: QuerySet) -> QuerySet:
    if sees_every_case(user):
        return feedback
    cases = Case.objects.visible_to(user)
    return feedback.filter(Q(pk__in=cases.values("feedback_id")) | Q(contact_id__in=_their_customers(user)))


def _their_customers(user) -> QuerySet:
    return Case.objects.visible_to(user).filter(contact__isnull=False).values("contact_id")
