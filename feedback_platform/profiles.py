"""A staff user's own settings: the name and signature customers see on the emails they write."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .activity import Actor, record_activity
from .models import Profile


@transaction.atomic
def update_profile(
    *, user: User, display_name: str, signatures: dict[str, str], language: str, actor: Actor | User | None = None
) -> Profile:
    """Save the user's display name, signatures per language and language; records what changed and who
    changed it (the user on their own page, an admin in the admin)."""
    display_name = " ".join(display_name.split())
    if not display_name:
        raise ValidationError({"display_name": _("Enter the name customers will see, e.g. Anna Schmidt.")})
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    cleaned = {code: text.strip() for code, text in signatures.items() if code in dict(settings.LANGUAGES)}
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    new = {"display_name": display_name, "signatures": {k: v for k, v in cleaned.items() if v}, "language": language}
    changed = [field for field, value in new.items() if getattr(profile, field) != value]
    for field, value in new.items():
        setattr(profile, field, value)
    profile.save()
    if changed:
        record_activity(
            actor=Actor.of(actor or user),
            action="feedback_platform.profile.updated",
            target=profile,
            payload={"fields": changed},
        )
    return profile
