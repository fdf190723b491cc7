from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback_platform.api_tokens import create_api_token, revoke_all_api_tokens


class Command(BaseCommand):
    help = "Make an API token for USERNAME and print its key (shown once): send it as 'Authorization: Token <key>'."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for, as its owner sees it.")
        parser.add_argument("--days", type=int, help="Expire after this many days (default: never).")
        parser.add_argument("--rotate", action="store_true", help="Revoke the user's other tokens first.")

    def handle(self, *args, username, name, days, rotate, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        if rotate:
            revoke_all_api_tokens(user=user, reason="rotated from the command line")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        _token, key = create_api_token(user=user, name=name, expires_at=expires_at)
        self.stdout.write(key)
