"""What followup erases of a person (registered in FollowupConfig.ready): their cases' texts and timelines,
the emails to and about them (customer emails, staff notifications quoting them) and the emails they sent."""

from collections.abc import Iterator

from django.db.models import Q

from feedback_platform.delivery import PENDING, DeliveryStatus
from feedback_platform.erasure import ERASED, Person, Table
from reviews.models import Feedback

from .models import Case, CaseEvent, Compensation, InboundEmail, OutboxEmail, RuleFiring


def erase_person(person: Person) -> int:
    contact_id = person.contact_id
    feedback_ids = list(Feedback.objects.filter(contact_id=contact_id).values_list("pk", flat=True))
    person.found["feedback_ids"] = feedback_ids
    cases = Case.objects.filter(Q(contact_id=contact_id) | Q(feedback_id__in=feedback_ids))
    case_ids = list(cases.values_list("pk", flat=True))
    person.add_rows(Case, case_ids)
    inbound = InboundEmail.objects.filter(
        Q(contact_id=contact_id)
        | Q(case_id__in=case_ids)
        | Q(sender__iexact=person.email)
        | Q(answer__contact_id=contact_id)
    )
    events = CaseEvent.objects.filter(case_id__in=case_ids)
    for text in [*inbound.values_list("body", flat=True), *events.values_list("body", flat=True)]:
        person.add_texts(text)
    changed = redact_cases(person, case_ids)
    changed += redact_inbound(inbound)
    changed += _redact_emails(person, feedback_ids, case_ids)
    for firing in RuleFiring.objects.filter(feedback_id__in=feedback_ids):
        RuleFiring.objects.filter(pk=firing.pk).update(reasons=person.redact_json(firing.reasons))
    return changed


def redact_cases(person: Person, case_ids) -> int:
    """The one redaction of cases (erasure and retention): summaries, search text, timelines, compensation
    notes and the replies received on them. Status, dates, priority and segment stay for the loop figures."""
    changed = Case.objects.filter(pk__in=case_ids).update(search_text="", resolution_summary=ERASED)
    changed += _redact_events(person, CaseEvent.objects.filter(case_id__in=case_ids))
    changed += Compensation.objects.filter(case_id__in=case_ids).update(note="")
    return changed + redact_inbound(InboundEmail.objects.filter(case_id__in=case_ids))


def redact_inbound(inbound) -> int:
    """The one redaction of customers' emailed replies (erasure and retention): sender and text go."""
    return inbound.update(sender="", subject=ERASED, body=ERASED)


def redact_emails(emails) -> int:
    """The one redaction of outgoing emails, staff notifications included (erasure and retention): subject and
    bodies go; status, dates and the case they belong to stay for the loop figures."""
    return emails.update(subject=ERASED, body_text=ERASED, body_html="", last_error="")


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
    for inbound_id in InboundEmail.objects.filter(contact_id=person.contact_id).values_list("pk", flat=True):
        about |= Q(idempotency_key__startswith=f"unmatched_reply:{inbound_id}:")
    emails = OutboxEmail.objects.filter(about)
    emails.filter(status__in=PENDING).update(status=DeliveryStatus.WITHHELD)  # never sent after their erasure
    person.add_rows(OutboxEmail, emails.values_list("pk", flat=True))
    to_person = emails.filter(to_email__iexact=person.email).update(to_email="erased@invalid", last_error="")
    return to_person + redact_emails(emails)


CASES = ["id", "status", "priority", "segment", "opened_at", "first_responded_at", "resolved_at", "resolution_summary"]
EVENTS = ["case_id", "kind", "body", "created_at"]
EMAILS = ["id", "status", "to_email", "subject", "body_text", "sent_at", "created_at"]
INBOUND = ["id", "sender", "subject", "body", "received_at"]


def export_person(person: Person) -> Iterator[Table]:
    """Their cases and each case's timeline, the emails sent to them, and the emails they sent us."""
    contact_id = person.contact_id
    feedback_ids = Feedback.objects.filter(contact_id=contact_id).values("pk")
    cases = Case.objects.filter(Q(contact_id=contact_id) | Q(feedback_id__in=feedback_ids))
    case_ids = cases.values("pk")
    yield Table("cases", CASES, cases.order_by("pk").values_list(*CASES).iterator(chunk_size=500))
    events = CaseEvent.objects.filter(case_id__in=case_ids).order_by("case_id", "created_at", "pk")
    yield Table("case_timeline", EVENTS, events.values_list(*EVENTS).iterator(chunk_size=500))
    emails = OutboxEmail.objects.filter(to_email__iexact=person.email or None).order_by("pk")
    yield Table("emails_sent", EMAILS, emails.values_list(*EMAILS).iterator(chunk_size=500))
    inbound = InboundEmail.objects.filter(Q(contact_id=contact_id) | Q(sender__iexact=person.email)).order_by("pk")
    yield Table("emails_received", INBOUND, inbound.values_list(*INBOUND).iterator(chunk_size=500))
