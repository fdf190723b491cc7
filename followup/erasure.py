"""What followup erases of a person (registered in FollowupConfig.ready): their cases' texts and timelines,
the emails to and about them (customer emails, staff notifications quoting them) and the emails they sent."""

from django.db.models import Q

from feedback_platform.delivery import PENDING, DeliveryStatus
from feedback_platform.erasure import ERASED, Person
from reviews.models import Feedback

from .models import Case, CaseEvent, Compensation, InboundEmail, OutboxEmail, RuleFiring


def erase_person(person: Person) -> int:
    contact = person.contact
    feedback_ids = list(Feedback.objects.filter(contact=contact).values_list("pk", flat=True))
    person.found["feedback_ids"] = feedback_ids
    cases = Case.objects.filter(Q(contact=contact) | Q(feedback_id__in=feedback_ids))
    case_ids = list(cases.values_list("pk", flat=True))
    person.add_rows(Case, case_ids)
    inbound = InboundEmail.objects.filter(
        Q(contact=contact) | Q(case_id__in=case_ids) | Q(sender__iexact=person.email) | Q(answer__contact=contact)
    )
    events = CaseEvent.objects.filter(case_id__in=case_ids)
    for text in [*inbound.values_list("body", flat=True), *events.values_list("body", flat=True)]:
        person.add_texts(text)
    changed = cases.update(search_text="", resolution_summary=ERASED)
    changed += _redact_events(person, events)
    changed += Compensation.objects.filter(case_id__in=case_ids).update(note="")
    changed += inbound.update(sender="", subject=ERASED, body=ERASED)
    changed += _redact_emails(person, feedback_ids, case_ids)
    for firing in RuleFiring.objects.filter(feedback_id__in=feedback_ids):
        RuleFiring.objects.filter(pk=firing.pk).update(reasons=person.redact_json(firing.reasons))
    return changed


def _redact_events(person: Person, events) -> int:
    changed = 0
    for event in events.only("pk", "body", "data"):
        # The timeline is append-only for work on a case; an erasure is the one sanctioned rewrite.
        body = ERASED if event.body else ""
        changed += CaseEvent.objects.filter(pk=event.pk).update(body=body, data=person.redact_json(event.data))
    return changed


def _redact_emails(person: Person, feedback_ids, case_ids) -> int:
    """Emails to the person, on their cases, about their feedback, and the staff notifications quoting them."""
    event_ids = CaseEvent.objects.filter(case_id__in=case_ids).values_list("pk", flat=True)
    about = Q(to_email__iexact=person.email) | Q(case_id__in=case_ids) | Q(feedback_id__in=feedback_ids)
    for feedback_id in feedback_ids:
        about |= Q(idempotency_key__regex=rf"^notify:\d+:{feedback_id}:")
    for case_id in case_ids:
        about |= Q(idempotency_key__startswith=f"escalation:{case_id}:")
    for event_id in event_ids:
        about |= Q(idempotency_key__startswith=f"customer_reply:{event_id}:")
    for inbound_id in InboundEmail.objects.filter(contact=person.contact).values_list("pk", flat=True):
        about |= Q(idempotency_key__startswith=f"unmatched_reply:{inbound_id}:")
    emails = OutboxEmail.objects.filter(about)
    emails.filter(status__in=PENDING).update(status=DeliveryStatus.WITHHELD)  # never sent after their erasure
    person.add_rows(OutboxEmail, emails.values_list("pk", flat=True))
    to_person = emails.filter(to_email__iexact=person.email).update(to_email="erased@invalid", last_error="")
    return to_person + emails.update(subject=ERASED, body_text=ERASED, body_html="", last_error="")
