"""API tokens: made, listed and revoked by their owner, optionally expiring, and gone with a password change.

`Authorization: Token <key>` is read by `ApiTokenAuthentication`. Tokens made before named tokens existed
(DRF's one `authtoken` per user) are still accepted, through DRF's own check, and are revoked with the
rest; `create_api_token` and the Security page make only named ones now.
"""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .activity import Actor, record_activity
from .models import ApiToken


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its key, which is never shown again."""
    key = secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name[:100], digest=_digest(key), prefix=key[:6], expires_at=expires_at
    )
    record_activity(
        actor=Actor.for_user(user),
        action="feedback_platform.api_token.created",
        target=token,
        payload={"expires_at": expires_at.isoformat() if expires_at else None},
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, user: User, token_id: int) -> bool:
    """Delete one of `user`'s own tokens; False if it is not theirs (or gone already)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        return False
    record_activity(actor=Actor.for_user(user), action="feedback_platform.api_token.revoked", target=token)
    token.delete()
    return True


@transaction.atomic
def revoke_all_api_tokens(*, user: User, reason: str) -> int:
    """Delete every token of `user`, named or from before (DRF's), e.g. because the password changed."""
    named, _by_model = ApiToken.objects.filter(user=user).delete()
    legacy, _by_model = Token.objects.filter(user=user).delete()
    if named or legacy:
        record_activity(
            actor=Actor.for_user(user),
            action="feedback_platform.api_token.revoked_all",
            target=user,
            payload={"count": named + legacy, "reason": reason},
        )
    return named + legacy


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _revoke_tokens_when_the_password_changes(sender, instance, update_fields=None, **kwargs):
    """Every path that sets a password (the password page, the admin, `changepassword`) saves the user:
    a key made under the old password must not outlive it."""
    if not instance.pk or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        transaction.on_commit(lambda: revoke_all_api_tokens(user=instance, reason="password changed"))


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` for named tokens: an expired one is a 401 saying when it expired.
    A key that is not a named token may be a DRF token from before them (DRF's own check, its 401s)."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
        if token is None:
            return super().authenticate_credentials(key)
        if token.is_expired():
            when = formats.date_format(timezone.localtime(token.expires_at), "DATETIME_FORMAT")
            raise exceptions.AuthenticationFailed(_("This API token expired on %(when)s.") % {"when": when})
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # Once a minute at most: a busy integration does not write on every call.
        if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return (token.user, token)
