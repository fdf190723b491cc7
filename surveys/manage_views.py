"""Managers and admins create and edit surveys here, with a live preview of the email and the answer page."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor
from feedback_platform.previews import store_preview

from .editing import logo_type, save_survey, survey_problems
from .emails import render_invitation
from .forms import AnswerForm
from .models import Contact, Invitation, Send, Survey
from .models.surveys import DEFAULT_SCALES, TRANSLATABLE_TEXTS, validate_review_site
from .sending import send_stats, survey_stats

LOGO_MAX_BYTES = 100 * 1024


# What each customer-facing text is, for the builder's tabs (one field per text and language).
TEXT_LABELS = {
    "email_subject": gettext_lazy("Email subject"),
    "question": gettext_lazy("Question"),
    "comment_question": gettext_lazy("Comment question"),
    "detractor_question": gettext_lazy("Follow-up question for detractors"),
    "promoter_question": gettext_lazy("Follow-up question for promoters"),
    "thanks_detractor": gettext_lazy("Thanks to a detractor"),
    "thanks_passive": gettext_lazy("Thanks to a passive"),
    "thanks_promoter": gettext_lazy("Thanks to a promoter"),
}


def text_field(language: str, name: str) -> str:
    return f"{language}__{name}"


def _saved_text(survey: Survey, name: str, language: str) -> str:
    """What the tab shows: the translation, or in the main language the survey's own text."""
    own = getattr(survey, name) if language == survey.default_language else ""
    return survey.translation(name, language) or own


def _standard_text(survey: Survey, name: str, language: str) -> str:
    """The placeholder: what a customer reading `language` gets while the field stays empty (Survey.text
    without this language's translation)."""
    blank = Survey(kind=survey.kind, default_language=survey.default_language)
    if language != survey.default_language:
        setattr(blank, name, getattr(survey, name))  # the main language's text is the fallback
    with translation.override(language):
        if name == "email_subject" and not getattr(blank, name):  # the standard subject, from its one template
            return render_to_string("emails/survey_invitation_subject.txt", {"subject": ""}).strip()
        return blank.text(name, language)


class SurveyForm(forms.ModelForm):
    review_url = forms.URLField(
        required=False,
        assume_scheme="https",
        validators=[validate_review_site],
        label=gettext_lazy("Review site for promoters"),
        help_text=Survey._meta.get_field("review_url").help_text,
    )
    logo_upload = forms.FileField(
        required=False, label=gettext_lazy("Logo"), help_text=gettext_lazy("PNG, JPEG, GIF or WebP, up to 100 KB.")
    )
    remove_logo = forms.BooleanField(required=False, label=gettext_lazy("Remove the logo"))

    class Meta:
        model = Survey
        fields = [
            "name",
            "kind",
            "scale_min",
            "scale_max",
            "status",
            "default_language",
            "review_url",
            "brand_color",
            "link_lifetime_days",
            "throttle_days",
            "reminder_after_days",
            "public_slug",
            "widget_origins",
        ]
        # the model's fields without a verbose name would show their field name, untranslated
        labels = {
            "name": pgettext_lazy("survey", "Name"),
            "kind": gettext_lazy("Kind"),
            "status": gettext_lazy("Status"),
            "scale_min": gettext_lazy("Lowest score"),
            "scale_max": gettext_lazy("Highest score"),
            "default_language": gettext_lazy("Main language"),
            "brand_color": gettext_lazy("Brand colour"),
            "link_lifetime_days": gettext_lazy("Link lifetime (days)"),
            "throttle_days": gettext_lazy("Ask a contact at most every (days)"),
            "reminder_after_days": gettext_lazy("Reminder after (days)"),
            "public_slug": gettext_lazy("Public link name"),
            "widget_origins": gettext_lazy("Sites for the widget"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        survey = self.instance
        for language, _label in settings.LANGUAGES:
            for name, limit in TRANSLATABLE_TEXTS.items():
                widget = forms.Textarea(attrs={"rows": 2}) if limit > 300 else forms.TextInput()
                widget.attrs.update(placeholder=_standard_text(survey, name, language), lang=language)
                self.fields[text_field(language, name)] = forms.CharField(
                    required=False,
                    max_length=limit,
                    label=TEXT_LABELS[name],
                    initial=_saved_text(survey, name, language),
                    widget=widget,
                )

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is %(size)s KB; at most 100 KB.") % {"size": upload.size // 1024})
        data = upload.read()
        if not logo_type(data):
            raise forms.ValidationError(_("Upload the logo as PNG, JPEG, GIF or WebP."))
        return data

    def clean(self):
        data = super().clean()
        self._put_texts(data)
        fields = ("kind", "scale_min", "scale_max")
        if all(data.get(name) is not None for name in fields):
            survey = Survey(
                pk=self.instance.pk, translations=self.instance.translations, **{n: data[n] for n in fields}
            )
            for field, problem in survey_problems(survey).items():
                self.add_error(field if field in self.fields else None, problem)
        return data

    def _put_texts(self, data) -> None:
        """The tabs onto the survey: the main language's into its own fields, the others' into `translations`
        (empty ones left out, so the customer reads the fallback)."""
        main = data.get("default_language") or self.instance.default_language
        translations = {}
        for language, _label in settings.LANGUAGES:
            texts = {name: data.get(text_field(language, name)) or "" for name in TRANSLATABLE_TEXTS}
            if language == main:
                for name, text in texts.items():
                    setattr(self.instance, name, text)
            elif any(texts.values()):
                translations[language] = {name: text for name, text in texts.items() if text}
        self.instance.translations = translations

    @property
    def fields_before_texts(self) -> list:
        """The settings shown above the text tabs: up to the main language."""
        names = self._settings_names()
        return [self[name] for name in names[: names.index("default_language") + 1]]

    @property
    def fields_after_texts(self) -> list:
        names = self._settings_names()
        return [self[name] for name in names[names.index("default_language") + 1 :]]

    def _settings_names(self) -> list[str]:
        return [name for name in self.fields if "__" not in name]

    def text_tabs(self) -> list[dict]:
        """For the template: one tab per language with its fields; the first in error is open, else the main
        language's."""
        tabs = []
        for language, label in settings.LANGUAGES:
            fields = [self[text_field(language, name)] for name in TRANSLATABLE_TEXTS]
            errors = any(field.errors for field in fields)
            tabs.append({"language": language, "label": label, "fields": fields, "errors": errors})
        main = self["default_language"].value() or "en"
        opened = next((t for t in tabs if t["errors"]), None) or next(t for t in tabs if t["language"] == main)
        opened["active"] = True
        return tabs


@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_list(request):
    surveys = survey_stats(Survey.objects.order_by("-created_at"))
    stats = send_stats(Send.objects.order_by("-created_at")[:20])
    return render(request, "surveys/manage_list.html", {"surveys": surveys, "stats": stats})


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
def survey_edit(request, pk=None):
    survey = get_object_or_404(Survey, pk=pk) if pk else None
    form = SurveyForm(request.POST or None, request.FILES or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        save_survey(
            actor=Actor.from_request(request),
            survey=form.save(commit=False),
            logo=form.cleaned_data.get("logo_upload"),
            remove_logo=form.cleaned_data.get("remove_logo", False),
        )
        messages.success(request, _("Survey saved."))
        return redirect("surveys:manage")
    return render(
        request, "surveys/manage_form.html", {"form": form, "survey": survey}, status=400 if form.errors else 200
    )


def _previewable(form: SurveyForm) -> Survey:
    """The survey to render: the form's valid fields on it; a field in error keeps its saved or default value,
    and a scale the form refused becomes the kind's standard one, so a preview never fails on what it shows."""
    survey = form.instance  # the ModelForm has put the parsed fields on it, some of them refused by the model
    original = Survey.objects.get(pk=survey.pk) if survey.pk else Survey()
    for name in form.errors:
        if name in form.Meta.fields:
            setattr(survey, name, getattr(original, name))
    if survey.scale_min >= survey.scale_max:
        survey.scale_min, survey.scale_max = DEFAULT_SCALES.get(survey.kind, (0, 10))
    return survey


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
@require_POST
def survey_preview(request):
    """htmx: the email and the answer page as a customer would see them, from the unsaved form."""
    saved_id = request.POST.get("preview_survey", "")
    saved = Survey.objects.filter(pk=saved_id).first() if saved_id.isdigit() else None
    # The edited survey is the form's instance, so its own public slug is not "taken"; it is only rendered.
    form = SurveyForm(request.POST, instance=saved)
    form.is_valid()  # the errors show beside the preview; the valid fields shape it
    survey = _previewable(form)
    language = request.POST.get("preview_language") or survey.default_language or "en"
    contact = Contact(email="ada@example.com", name="Ada", language=language)
    email = render_invitation(Invitation(survey=survey, contact=contact), "preview-token")
    with translation.override(language):
        from .views import page_texts

        page = render_to_string(
            "surveys/answer.html",
            {**page_texts(survey, survey.scale_max), "form": AnswerForm(), "preview": True},
            request,
        )
    previews = {
        "email_url": store_preview(user_id=request.user.pk, html=email.html, kind="email"),
        "page_url": store_preview(user_id=request.user.pk, html=page, kind="page"),
    }
    return render(request, "surveys/fragment_preview.html", {"email": email, "form": form, **previews})


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
def survey_embed(request, pk):
    """How to put the survey on a site: the web link, the widget snippet, and the widget itself, live."""
    survey = get_object_or_404(Survey, pk=pk)
    return render(request, "surveys/manage_embed.html", {"survey": survey, "site_url": settings.SITE_URL})
