from pathlib import Path

from anymail.inbound import AnymailInboundMessage
from django.core.management.base import BaseCommand, CommandError

from followup.inbound import record_customer_reply


class Command(BaseCommand):
    help = "Feed a raw .eml file through the inbound path, as if the mail provider had posted it."

    def add_arguments(self, parser):
        parser.add_argument("eml", type=Path)

    def handle(self, *args, eml: Path, **options):
        if not eml.is_file():
            raise CommandError(f"No such file: {eml}")
        message = AnymailInboundMessage.parse_raw_mime_bytes(eml.read_bytes())
        event, created = record_customer_reply(message)
        if event is None:
            raise CommandError("No case matches this email (no reply+<token>@ address or known In-Reply-To).")
        done = "Added the reply to" if created else "This reply is already on"
        self.stdout.write(f"{done} case {event.case_id}.")
