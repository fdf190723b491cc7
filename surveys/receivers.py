"""The email provider's delivery reports (django-anymail tracking webhooks, /anymail/<provider>/tracking/)."""

from anymail.signals import tracking
from django.dispatch import receiver

from . import services


@receiver(tracking, dispatch_uid="surveys.delivery_report")
def record_delivery_report(sender, event, esp_name, **kwargs):
    services.record_delivery_report(
        event_type=event.event_type,
        recipient=event.recipient or "",
        metadata=event.metadata or {},
        provider_message_id=event.message_id or "",
        when=event.timestamp,
        description=f"{esp_name}: {event.event_type} {event.description or event.mta_response or ''}".strip(),
        soft=isinstance(event.esp_event, dict) and event.esp_event.get("Type") in SOFT_BOUNCES,
    )


SOFT_BOUNCES = {"SoftBounce", "Transient", "DnsError"}  # the provider retries these: no suppression
