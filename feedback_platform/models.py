from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What the product remembers about a staff user: the language emails to them use."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    def __str__(self):
        return f"{self.user}: {self.language}"


def language_of(user) -> str:
    profile = Profile.objects.filter(user=user).first()
    return profile.language if profile else settings.LANGUAGE_CODE
