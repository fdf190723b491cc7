"""The admins' page of suggested topics (reviews.suggestions): each with its size, examples and proposed
keywords, and a form that accepts it into the taxonomy."""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor

from . import suggestions
from .models import Topic

KEYWORD_SEPARATORS = re.compile(r"[,，、;；\n]")  # what people type between keywords in all three languages


class AcceptSuggestionForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, widget=forms.HiddenInput)
    name = forms.CharField(label=pgettext_lazy("topic", "Name"), max_length=100)
    slug = forms.SlugField(
        label=pgettext_lazy("topic", "Code"), max_length=50, help_text=_("Letters, digits, hyphens; never changes.")
    )
    keywords = forms.CharField(label=_("Keywords"), max_length=500, help_text=_("Separated by commas."))

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Topic.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A topic with this code exists already."))
        return slug

    def clean_keywords(self) -> list[str]:
        words = list(dict.fromkeys(w.strip() for w in KEYWORD_SEPARATORS.split(self.cleaned_data["keywords"])))
        words = [w for w in words if w]
        if not words:
            raise forms.ValidationError(_("Give at least one keyword."))
        if any(len(w) > 60 for w in words):
            raise forms.ValidationError(_("A keyword is at most 60 characters."))
        return words


def _initial(suggestion: suggestions.Suggestion) -> AcceptSuggestionForm:
    return AcceptSuggestionForm(
        initial={
            "language": suggestion.language,
            "name": suggestion.name,
            "slug": suggestion.slug,
            "keywords": ", ".join(suggestion.keywords),
        },
        prefix=f"{suggestion.language}-{suggestion.slug}",
    )


@login_required
@permission_required("reviews.add_topic", raise_exception=True)
def suggested_topics(request, bound: AcceptSuggestionForm | None = None, status: int = 200):
    found = suggestions.suggest()
    rows = []
    for suggestion in found:
        form = _initial(suggestion)
        if bound is not None and bound.prefix == form.prefix:
            form, bound = bound, None  # the one that failed, with its errors and what was typed
        rows.append((suggestion, form))
    names = dict(settings.LANGUAGES)
    context = {
        "sections": [
            (code, names[code], [row for row in rows if row[0].language == code]) for code in suggestions.LANGUAGES
        ],
        "window_days": suggestions.WINDOW_DAYS,
        "min_size": suggestions.MIN_SIZE,
        "unplaced": bound,  # a failed form whose suggestion is gone meanwhile: its errors still shown
    }
    return render(request, "reviews/suggested_topics.html", context, status=status)


@login_required
@permission_required("reviews.add_topic", raise_exception=True)
@require_POST
def accept_suggested_topic(request):
    form = AcceptSuggestionForm(request.POST, prefix=request.POST.get("prefix", ""))
    if not form.is_valid():
        return suggested_topics(request, bound=form, status=400)
    topic = suggestions.accept_suggestion(actor=Actor.from_request(request), **form.cleaned_data)
    tagged = topic.feedback.count()
    messages.success(
        request, _("Topic “%(name)s” added; %(count)d comments have it now.") % {"name": topic.label, "count": tagged}
    )
    return redirect("reviews:suggested_topics")
