"""The retention setting admins keep: after how many months old feedback and closed cases are anonymised."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """One row (pk 1), edited in the admin; `RetentionPolicy.current()` reads it (0 months: never)."""

    months = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(1200)],
        help_text=_(
            "Comments and personal fields of feedback and closed cases older than this many months are "
            "anonymised each night; scores stay, so reports do not change. 0: keep them."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policy")

    def __str__(self):
        return str(_("Retention policy"))

    @classmethod
    def current(cls) -> "RetentionPolicy":
        return cls.objects.get_or_create(pk=1)[0]
