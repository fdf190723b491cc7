from django import forms
from django.utils.translation import gettext_lazy as _

from .events import EventType
from .models import WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    """The shape of an endpoint; what makes one acceptable (a reachable public URL…) is the service's."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=100,
        required=False,
        help_text=_("Each delivery is signed with it. Leave empty to have one made."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "secret", "events"]
