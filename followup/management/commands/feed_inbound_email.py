from pathlib import Path

from anymail.inbound import AnymailInboundMessage
from django.core.management.base import BaseCommand, CommandError

from followup.inbound import receive_email
from followup.models import InboundOutcome


class Command(BaseCommand):
    help = "Feed a raw .eml file through the inbound path, as if the mail provider had posted it."

    def add_arguments(self, parser):
        parser.add_argument("eml", type=Path)

    def handle(self, *args, eml: Path, **options):
        if not eml.is_file():
            raise CommandError(f"No such file: {eml}")
        raw = eml.read_bytes()
        row, created = receive_email(message=AnymailInboundMessage.parse_raw_mime_bytes(raw), raw=raw)
        if not created:
            self.stdout.write(f"This reply is already on case {row.case_id}." if row.case_id else "Already received.")
        elif row.outcome == InboundOutcome.CASE:
            self.stdout.write(f"Added the reply to case {row.case_id}.")
        elif row.outcome == InboundOutcome.ANSWER:
            self.stdout.write(f"Added the reply to answer {row.answer_id}.")
        else:
            self.stdout.write("No case or answer matches this email: kept and sent to the managers.")
