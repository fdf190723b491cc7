from django import forms
from django.utils.translation import gettext_lazy as _

from .events import EventType
from .models import SlackChannel, SlackNotification, WebhookEndpoint


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


class SlackChannelForm(forms.Form):
    """A team's channel: the incoming-webhook URL (never shown again once saved: empty keeps the saved one) and
    the notifications wanted; what makes a URL acceptable is the service's (`slack.channel_problems`)."""

    webhook_url = forms.URLField(
        label=_("Incoming webhook URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "In Slack: an app with Incoming Webhooks, Add New Webhook to Workspace, the team's channel; "
            "paste the https://hooks.slack.com/services/… address it shows."
        ),
    )
    notifications = forms.MultipleChoiceField(
        label=_("Notifications"), choices=SlackNotification.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, channel: SlackChannel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if channel is not None:
            url = self.fields["webhook_url"]
            url.required = False
            url.widget.attrs["placeholder"] = channel.masked_url
            url.help_text = _("Saved: %(url)s. Leave empty to keep it.") % {"url": channel.masked_url}
            self.fields["notifications"].initial = channel.notifications
        else:
            self.fields["notifications"].initial = list(SlackNotification.values)

    def apply(self, channel: SlackChannel) -> SlackChannel:
        """The form's values on the (new or saved) channel, unsaved."""
        channel.webhook_url = self.cleaned_data["webhook_url"] or channel.webhook_url
        channel.notifications = list(self.cleaned_data["notifications"])
        return channel
