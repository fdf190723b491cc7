from django import forms
from django.utils.translation import gettext_lazy as _

from .models import COMMENT_MAX_LENGTH


class CommentField(forms.CharField):
    """Line breaks count once, as the page's counter counts them (a browser sends each as CR LF)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class AnswerForm(forms.Form):
    """The customer's answer. The scale is checked by the service, which knows the survey."""

    score = forms.IntegerField(
        label=_("Your score"), error_messages={"required": _("Choose a score."), "invalid": _("Choose a score.")}
    )
    comment = CommentField(
        label=_("Your comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "max_length": _(
                "Your comment is %(show_value)d characters long; the limit is %(limit_value)d. "
                "Please shorten it and send it again: what you wrote is still here."
            )
        },
    )
