"""What staff change in `surveys`: surveys (with their logo), contacts, archiving, sends and single invitations
through the API. Each is one transaction that records its activity; the page, the API and the admin call these."""

import hashlib
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_platform.activity import Actor, changed_fields, record_activity

from . import services
from .contacts_import import ContactImportReport, import_contacts
from .models import Answer, Audience, Contact, Invitation, SegmentThreshold, Send, Survey, SurveyLogo, SurveyStatus
from .models.surveys import validate_translations
from .segments import current_thresholds

# What a logo may be, told by its first bytes, not by its name. No SVG: it can carry script.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def logo_type(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in LOGO_SIGNATURES.items() if data.startswith(magic)), "")


def survey_problems(survey: Survey) -> dict[str, str]:
    """Field → why the survey cannot be saved so; empty when it can. The one check of its scale and texts for
    the survey page and the API, on a change as on a creation: the lowest score under the highest, segment
    thresholds for the kind on that scale (every answer's Feedback needs its segment), every answer already
    given still on the scale, and translations of the survey's texts in the product's languages."""
    problems: dict[str, str] = {}
    low, high = survey.scale_min, survey.scale_max
    if low >= high:
        problems["scale_max"] = str(_("The highest score must be above the lowest."))
    elif (survey.kind, high) not in current_thresholds():
        problems["scale_max"] = str(
            _("There are no segment thresholds for %(kind)s on a scale to %(high)s: an admin adds them first.")
            % {"kind": survey.kind, "high": high}
        )
    elif survey.pk and Answer.objects.filter(survey_id=survey.pk).exclude(score__range=(low, high)).exists():
        problems["scale_max"] = str(
            _("Answers already given are outside %(low)s–%(high)s: keep a scale that holds them.")
            % {"low": low, "high": high}
        )
    translations = translations_problem(survey.translations)
    if translations:
        problems["translations"] = translations
    return problems


def translations_problem(translations: object) -> str:
    """Why `translations` is not {language: {text name: text}}; "" when it is (surveys.models.validate_translations)."""
    if translations in (None, ""):
        return ""
    try:
        validate_translations(translations)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _survey_fields(survey: Survey) -> list[str]:
    skip = {"logo_version"}
    return [f.name for f in survey._meta.concrete_fields if f.editable and not f.primary_key and f.name not in skip]


@transaction.atomic
def save_survey(*, actor: Actor, survey: Survey, logo: bytes | None = None, remove_logo: bool = False) -> Survey:
    """Create or change a survey (validated by its form or serializer), with its logo: new image bytes
    (checked by `logo_type`), or `remove_logo`. The activity names the changed fields, never their values."""
    created = survey._state.adding
    fields = changed_fields(survey, _survey_fields(survey))
    survey.save()
    if logo:
        SurveyLogo.objects.update_or_create(survey=survey, defaults={"image": logo, "content_type": logo_type(logo)})
        survey.logo_version = hashlib.sha256(logo).hexdigest()[:12]
    elif remove_logo and survey.logo_version:
        SurveyLogo.objects.filter(survey=survey).delete()
        survey.logo_version = ""
    if logo or remove_logo:
        survey.save(update_fields=["logo_version"])
        fields.append("logo")
    if created:
        action = "surveys.survey.created"
    elif "status" in fields and survey.status == SurveyStatus.ARCHIVED:
        action = "surveys.survey.archived"
    else:
        action = "surveys.survey.changed"
    if created or fields:
        record_activity(actor=actor, action=action, target=survey, payload={"fields": fields})
    return survey


@transaction.atomic
def archive_survey(*, actor: Actor, survey: Survey) -> Survey:
    """Archive a survey: nothing is deleted, it takes no more answers or sends. Archiving twice records once."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == SurveyStatus.ARCHIVED:
        return survey
    old, survey.status = survey.status, SurveyStatus.ARCHIVED
    survey.save(update_fields=["status"])
    record_activity(actor=actor, action="surveys.survey.archived", target=survey, payload={"from": old})
    return survey


@transaction.atomic
def update_contact(*, actor: Actor, contact: Contact, changes: dict) -> Contact:
    """Change a contact's fields (checked by the caller's serializer: no other contact's email or id)."""
    for name, value in changes.items():
        setattr(contact, name, value)
    fields = changed_fields(contact, list(changes))
    if fields:
        contact.save(update_fields=fields)
        record_activity(actor=actor, action="surveys.contact.updated", target=contact, payload={"fields": fields})
    return contact


@transaction.atomic
def tag_contact(*, actor: Actor, contact: Contact, names: list[str], replace: bool = True) -> Contact:
    """Set the contact's tags (`replace=False`: add to them); one entry when they changed."""
    if services.set_tags(contact=contact, names=names, replace=replace):
        record_activity(actor=actor, action="surveys.contact.updated", target=contact, payload={"fields": ["tags"]})
    return contact


@transaction.atomic
def save_contact(*, actor: Actor, contact: Contact) -> Contact:
    """Create or change a contact from a validated form (the Django admin)."""
    created = contact._state.adding
    fields = changed_fields(contact, services.CONTACT_FIELDS)
    contact.save()
    if created or fields:
        action = "surveys.contact.created" if created else "surveys.contact.updated"
        record_activity(actor=actor, action=action, target=contact, payload={"fields": fields})
    return contact


@transaction.atomic
def archive_contact(*, actor: Actor, contact: Contact) -> Contact:
    """Archive a contact: kept with their history, never surveyed again. Archiving twice records once."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.archived_at:
        return contact
    contact.archived_at = timezone.now()
    contact.save(update_fields=["archived_at"])
    record_activity(actor=actor, action="surveys.contact.archived", target=contact)
    return contact


@transaction.atomic
def import_contact_file(*, actor: Actor, data: bytes, filename: str, encoding: str = "detect") -> ContactImportReport:
    """Upsert a CSV or XLSX file's contacts (a CSV read in `encoding`, or detected); one entry for the whole
    file, with its counts."""
    report = import_contacts(data=data, filename=filename, encoding=encoding)
    record_activity(
        actor=actor,
        action="surveys.contact.imported",
        label=filename,
        payload={
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "errors": len(report.errors),
        },
    )
    return report


@transaction.atomic
def schedule_survey_send(
    *,
    actor: Actor,
    survey: Survey,
    audience: dict,
    conditions: list[dict] | None = None,
    segment: Audience | None = None,
    sample_percent: int = 100,
    daily_cap: int | None = None,
    scheduled_at: datetime | None = None,
) -> Send:
    """Send the survey to the contacts matching `audience`, `conditions` and `segment`, now or at `scheduled_at`
    (see `sending.schedule_send`)."""
    from .sending import schedule_send

    send = schedule_send(
        survey=survey,
        audience=audience,
        conditions=conditions,
        segment=segment,
        sample_percent=sample_percent,
        daily_cap=daily_cap,
        scheduled_at=scheduled_at,
    )
    record_activity(
        actor=actor,
        action="surveys.send.scheduled",
        target=send,
        label=survey.name,
        payload={
            "survey": survey.pk,
            "audience": audience,
            "conditions": send.conditions,
            "segment": segment.pk if segment else None,
            "sample_percent": sample_percent,
            "daily_cap": daily_cap,
            "scheduled_at": send.scheduled_at,
        },
    )
    return send


@transaction.atomic
def invite_one(
    *,
    actor: Actor,
    survey: Survey,
    email: str,
    name: str = "",
    language: str | None = None,
    external_id: str | None = None,
    attributes: dict | None = None,
    idempotency_key: str | None = None,
    exempt_reason: str = "",
) -> tuple[Invitation, bool]:
    """Survey one customer now (the invitations API): upsert the contact, invite them; (invitation, created).

    A repeated idempotency key returns the first invitation and changes nothing (a retried request writes
    once). No key never matches another invitation: `filter(idempotency_key=None)` would be `IS NULL`.
    """
    key = idempotency_key or None
    if key is not None:
        known = Invitation.objects.filter(survey=survey, idempotency_key=key).first()
        if known is not None:
            return known, False
    contact, _ = services.upsert_contact(
        actor=actor, email=email, name=name, language=language, external_id=external_id, attributes=attributes
    )
    invitation = services.invite_contact(
        survey=survey, contact=contact, idempotency_key=key, exempt_reason=exempt_reason
    )
    record_activity(
        actor=actor,
        action="surveys.invitation.created",
        target=invitation,
        label=f"{survey.name} → {contact}",
        payload={"survey": survey.pk, "contact": contact.pk, "status": invitation.status},
    )
    return invitation, True


def _limits(threshold: SegmentThreshold) -> dict:
    return {
        "kind": threshold.kind,
        "scale_max": threshold.scale_max,
        "detractor_max": threshold.detractor_max,
        "passive_max": threshold.passive_max,
    }


@transaction.atomic
def save_threshold(*, actor: Actor, threshold: SegmentThreshold) -> SegmentThreshold:
    """Create or change the admins' segment thresholds of one kind and scale; saving re-classifies the stored
    feedback of that scale (reviews.thresholds). The entry keeps the new limits."""
    created = threshold._state.adding
    fields = changed_fields(threshold, ["kind", "scale_max", "detractor_max", "passive_max"])
    threshold.save()
    if created or fields:
        record_activity(
            actor=actor,
            action="surveys.threshold.created" if created else "surveys.threshold.changed",
            target=threshold,
            label=f"{threshold.kind} 0–{threshold.scale_max}",
            payload={**_limits(threshold), "fields": fields},
        )
    return threshold


@transaction.atomic
def delete_threshold(*, actor: Actor, threshold: SegmentThreshold) -> None:
    """Go back to the default thresholds of one kind and scale."""
    record_activity(
        actor=actor,
        action="surveys.threshold.deleted",
        target=threshold,
        label=f"{threshold.kind} 0–{threshold.scale_max}",
        payload=_limits(threshold),
    )
    threshold.delete()
