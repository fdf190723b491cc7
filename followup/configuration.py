"""What admins configure for the loop: rules, customer email templates and priority weights, each save recorded."""

from collections.abc import Iterable

from django.db import transaction

from feedback_platform.activity import Actor, changed_fields, record_activity

from .models import EmailTemplate, PriorityWeight, Rule


def _editable(instance) -> list[str]:
    return [field.name for field in instance._meta.concrete_fields if field.editable and not field.primary_key]


@transaction.atomic
def save_rule(*, actor: Actor, rule: Rule) -> Rule:
    """Create or change a rule (validated by its form); the activity names the fields that changed."""
    created = rule._state.adding
    fields = changed_fields(rule, _editable(rule))
    rule.save()
    action = "followup.rule.created" if created else "followup.rule.changed"
    record_activity(actor=actor, action=action, target=rule, payload={"fields": fields})
    return rule


@transaction.atomic
def save_email_template(*, actor: Actor, template: EmailTemplate) -> EmailTemplate:
    """Create or change a customer email template (validated by its form)."""
    created = template._state.adding
    fields = changed_fields(template, ["key", "language", "subject", "body"])
    template.save()
    action = "followup.template.created" if created else "followup.template.changed"
    record_activity(actor=actor, action=action, target=template, payload={"fields": fields})
    return template


@transaction.atomic
def save_priority_weights(*, actor: Actor, weights: Iterable[PriorityWeight]) -> list[PriorityWeight]:
    """Save the weights that changed; one entry lists each changed factor with its old and new weight."""
    changed, before = [], dict(PriorityWeight.objects.values_list("pk", "weight"))
    for weight in weights:
        old = before.get(weight.pk)
        if weight.pk is not None and old == weight.weight:
            continue
        weight.save()
        changed.append(weight)
    if changed:
        record_activity(
            actor=actor,
            action="followup.priority.changed",
            payload={w.factor: {"from": before.get(w.pk), "to": w.weight} for w in changed},
            label=", ".join(w.factor for w in changed),
        )
    return changed
