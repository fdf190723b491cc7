from django import forms
from django.utils.translation import gettext_lazy as _


class AnswerForm(forms.Form):
    """The customer's answer. The scale is checked by the service, which knows the survey."""

    score = forms.IntegerField(
        label=_("Your score"), error_messages={"required": _("Choose a score."), "invalid": _("Choose a score.")}
    )
    comment = forms.CharField(label=_("Your comment"), required=False, max_length=5000, widget=forms.Textarea)
