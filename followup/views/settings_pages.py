"""Admins edit the rules, the customer email templates and the priority weights."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor
from feedback_platform.previews import store_preview

from .. import configuration
from ..emails import fill, render_text_email
from ..follow_up import surveys_without_review_site
from ..forms import EmailTemplateForm, PriorityWeightFormSet, RuleForm
from ..models import EmailTemplate, PriorityWeight, Rule
from ..models.rules import PLACEHOLDERS

SAMPLE_VALUES = {
    "name": "Ada Lovelace",
    "score": 3,
    "survey": "Northwind relationship NPS",
    "case_number": 1042,
    "agent_name": "Grace",
    "review_url": "https://www.trustpilot.com/review/northwind-care",  # a sample: each survey names its own site
}


@login_required
@permission_required("followup.view_rule", raise_exception=True)
def rules(request):
    return render(request, "followup/settings_rules.html", {"rules": Rule.objects.select_related("case_team")})


@login_required
@permission_required("followup.change_rule", raise_exception=True)
def edit_rule(request, pk=None):
    rule = get_object_or_404(Rule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        configuration.save_rule(actor=Actor.from_request(request), rule=form.save(commit=False))
        messages.success(request, _("Rule saved."))
        return redirect("followup:rules")
    status = 400 if request.method == "POST" else 200
    # A bound form's instance holds what was posted (ModelForm's clean sets it): the warning follows the form.
    context = {"form": form, "rule": rule, "no_review_site": surveys_without_review_site(form.instance)}
    return render(request, "followup/settings_rule_form.html", context, status=status)


@login_required
@permission_required("followup.view_emailtemplate", raise_exception=True)
def templates(request):
    return render(request, "followup/settings_templates.html", {"templates": EmailTemplate.objects.all()})


@login_required
@permission_required("followup.change_emailtemplate", raise_exception=True)
def edit_template(request, pk=None):
    template = get_object_or_404(EmailTemplate, pk=pk) if pk else None
    form = EmailTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        configuration.save_email_template(actor=Actor.from_request(request), template=form.save(commit=False))
        messages.success(request, _("Template saved."))
        return redirect("followup:templates")
    context = {"form": form, "template": template, "placeholders": sorted(PLACEHOLDERS)}
    return render(request, "followup/settings_template_form.html", context, status=400 if form.errors else 200)


@login_required
@permission_required("followup.change_emailtemplate", raise_exception=True)
@require_POST
def preview_template(request):
    """htmx: the email as a customer would see it, filled with sample values."""
    form = EmailTemplateForm(request.POST)
    form.is_valid()  # errors are shown beside the preview
    subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
    email = render_text_email(
        subject=fill(subject, SAMPLE_VALUES),
        body=fill(body, SAMPLE_VALUES),
        language=request.POST.get("language", "en"),
    )
    email_url = store_preview(user_id=request.user.pk, html=email.html, kind="email")
    return render(
        request, "followup/fragment_template_preview.html", {"email": email, "form": form, "email_url": email_url}
    )


@login_required
@permission_required("followup.change_priorityweight", raise_exception=True)
def priority_weights(request):
    formset = PriorityWeightFormSet(request.POST or None, queryset=PriorityWeight.objects.all())
    if request.method == "POST" and formset.is_valid():
        configuration.save_priority_weights(actor=Actor.from_request(request), weights=formset.save(commit=False))
        messages.success(request, _("Weights saved. New cases use them."))
        return redirect("followup:priority")
    return render(request, "followup/settings_priority.html", {"formset": formset})
