"""Forms check the shape of input; the services in cases.py check the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import CaseStatus, CompensationKind, EmailTemplate, PriorityWeight, RootCause, Rule
from .names import CALL_OUTCOMES
from .rule_actions import registered_actions


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=list(CALL_OUTCOMES.items()),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompensationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CompensationKind.choices)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=10, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in CaseStatus if s not in (CaseStatus.RESOLVED,)],
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        self.fields["owner"].queryset = users.filter(support_teams=team) if team else users.none()


class ReplyForm(forms.Form):
    prefix = "reply"  # the resolve form has fields of the same names on the same page
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)


class ResolveForm(forms.Form):
    prefix = "resolve"
    root_cause = forms.ModelChoiceField(label=_("Root cause"), queryset=RootCause.objects.filter(is_active=True))
    summary = forms.CharField(label=_("What was done (internal)"), widget=forms.Textarea(attrs={"rows": 2}))
    subject = forms.CharField(label=_("Email subject"), max_length=200)
    body = forms.CharField(label=_("Email to the customer"), widget=forms.Textarea(attrs={"rows": 8}))


class RecoveryForm(forms.Form):
    """Move the scheduled re-survey to another time, or cancel it (the button pressed says which)."""

    prefix = "recovery"
    action = forms.ChoiceField(choices=[("move", _("Move")), ("cancel", _("Cancel the re-survey"))])
    recovery_due_at = forms.DateTimeField(
        label=_("Send the re-survey on"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-sm"}, format="%Y-%m-%dT%H:%M"
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("recovery_due_at"):
            self.add_error("recovery_due_at", _("Choose the new date and time."))
        return data


class TrollForm(forms.Form):
    reason = forms.CharField(label=_("Why is this a troll or fraud?"), max_length=500)


class BulkForm(forms.Form):
    ACTIONS = [("assign_me", _("Assign to me")), ("status", _("Change status")), ("spam", _("Mark spam"))]
    action = forms.ChoiceField(choices=ACTIONS)
    cases = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={"required": _("Select cases.")})
    status = forms.ChoiceField(choices=StatusForm.base_fields["status"].choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(value, value) for value in self.data.getlist("cases")] if self.data else []

    def clean(self):
        data = super().clean()
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        return data


class RuleForm(forms.ModelForm):
    # The actions other apps register (a helpdesk ticket); their keys are stored in Rule.extra_actions.
    extra_actions = forms.MultipleChoiceField(
        label=_("More actions"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["extra_actions"]
        field.choices = [(action.key, action.label) for action in registered_actions()]
        if not field.choices:
            del self.fields["extra_actions"]

    class Meta:
        model = Rule
        fields = [
            "name",
            "position",
            "is_active",
            "segments",
            "kinds",
            "sources",
            "survey",
            "score_min",
            "score_max",
            "topics",
            "sentiment_max",
            "churn_intents",
            "suspicion",
            "attribute_conditions",
            "email_template",
            "email_delay_minutes",
            "open_case",
            "case_team",
            "priority_floor",
            "sla_minutes",
            "notify_team",
            "invite_review",
            "extra_actions",
            "no_auto_reply",
            "stop_processing",
        ]
        # the model's fields without a verbose name would show their field name, untranslated
        labels = {
            "name": _("Name"),
            "survey": _("Survey"),
            "topics": _("Topics"),
            "email_template": _("Email template"),
            "suspicion": _("Suspicion"),
        }


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["key", "language", "subject", "body"]
        labels = {"key": _("Key"), "language": _("Language"), "subject": _("Subject")}
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


PriorityWeightFormSet = forms.modelformset_factory(PriorityWeight, fields=["weight"], extra=0)
