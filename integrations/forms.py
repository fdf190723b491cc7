from django import forms
from django.utils.translation import gettext_lazy as _

from followup.models import Team

from .events import EventType
from .helpdesk import ADAPTERS
from .models import HelpdeskConnection, HelpdeskSystem, SlackChannel, SlackNotification, WebhookEndpoint


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


class HelpdeskConnectionForm(forms.ModelForm):
    """The shape of a helpdesk connection; what makes one acceptable (a public https address, one per team)
    is the service's. The token and the secret are never shown again: left empty, the saved ones stay."""

    system = forms.ChoiceField(label=_("Helpdesk"), choices=HelpdeskSystem.choices)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("Every team without its own"),
        help_text=_("Whose cases open their tickets here."),
    )
    base_url = forms.CharField(label=_("Address"), max_length=200)
    api_token = forms.CharField(label=_("API token"), max_length=200, required=False, widget=forms.PasswordInput)
    signing_secret = forms.CharField(
        label=_("Webhook signing secret"), max_length=200, required=False, widget=forms.PasswordInput
    )

    class Meta:
        model = HelpdeskConnection
        fields = ["system", "team", "base_url", "agent_email", "api_token", "signing_secret", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        system = self.initial.get("system") or HelpdeskSystem.ZENDESK
        self.fields["base_url"].help_text = ADAPTERS[system].address_help
        saved = self.instance.pk is not None
        for name in ("api_token", "signing_secret"):
            value = getattr(self.instance, name) if saved else ""
            if value:
                self.fields[name].help_text = _("Saved (ending %(end)s). Leave empty to keep it.") % {"end": value[-4:]}
        self.fields["api_token"].required = not (saved and self.instance.api_token)
        if not self.fields["signing_secret"].help_text:
            self.fields["signing_secret"].help_text = _(
                "Zendesk's signing secret of the webhook that sends ticket statuses here."
            )

    def clean_api_token(self):
        return self.cleaned_data["api_token"].strip() or self.instance.api_token

    def clean_signing_secret(self):
        return self.cleaned_data["signing_secret"].strip() or self.instance.signing_secret

    def clean(self):
        data = super().clean()
        address, system = data.get("base_url"), data.get("system")
        if address and system:
            try:
                data["base_url"] = ADAPTERS[system].normalize_address(address)
            except ValueError as error:
                self.add_error("base_url", str(error))
        return data

    def _get_validation_exclusions(self):
        # One connection per team is the service's to say, by field; the model's check would say it unnamed.
        return {*super()._get_validation_exclusions(), "team"}
