"""The customer's answer page. A GET never writes: mail scanners open every link."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from feedback_platform.clientip import client_address

from . import services
from .forms import AnswerForm
from .models import Survey, SurveyLogo
from .segments import Thresholds, displayed_thresholds, segment_for

# The words at both ends of each kind's scale, in the customer's language.
SCALE_ENDS = {
    "nps": (_("Not likely"), _("Very likely")),
    "csat": (_("Very unsatisfied"), _("Very satisfied")),
    "ces": (_("Strongly disagree"), _("Strongly agree")),
    "star": (_("Poor"), _("Excellent")),
}


def page_texts(survey, chosen) -> dict:
    """The answer page's words in the active language: question, scale ends and the follow-up question
    for the chosen score's segment (the page's script swaps it when the customer picks another score)."""
    language = translation.get_language()
    low, high = SCALE_ENDS.get(survey.kind, SCALE_ENDS["nps"])
    chosen = str(chosen) if chosen not in (None, "") else ""
    limits = displayed_thresholds()  # the admins' thresholds, as every Feedback reads them
    segment = segment_of(survey, int(chosen), limits) if chosen.isdigit() else None
    detractor_max, passive_max = limits.get((survey.kind, survey.scale_max), (-1, -1))  # -1: no segments
    return {
        "survey": survey,
        "chosen": chosen,
        "question": survey.text("question", language),
        "follow_up": survey.follow_up(segment, language),
        "follow_ups": {s: survey.follow_up(s, language) for s in ("detractor", "passive", "promoter")},
        "detractor_max": detractor_max,
        "passive_max": passive_max,
        "low_label": low,
        "high_label": high,
    }


def segment_of(survey: Survey, score: int, limits: Thresholds | None = None) -> str | None:
    """The score's segment by the one rule (surveys.segments), for the page's words; None on a scale with
    no thresholds."""
    try:
        return segment_for(survey.kind, score, survey.scale_max, limits or displayed_thresholds())[0]
    except ValueError:
        return None


def thanks_context(survey, answer, step: str = "") -> dict:
    """The thank-you page; a score sent without a comment is kept, and the page then asks for the comment."""
    language = translation.get_language()
    segment = segment_of(survey, answer.score)
    return {
        "survey": survey,
        "answer": answer,
        "thanks": survey.thanks(segment or "passive", language),
        "review_url": survey.review_url if segment == "promoter" else "",
        "ask_comment": not answer.comment and step != "comment",
        "follow_up": survey.follow_up(segment, language),
    }


def add_errors(form, error: ValidationError) -> None:
    """The service's errors beside the form's own: on their field, or above the form."""
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def _wants_json(request) -> bool:
    """The page's script saves the score the moment it is tapped, and reads the result as JSON."""
    return "application/json" in request.headers.get("Accept", "")


def _speak_customers_language(request, invitation):
    _speak_language(request, invitation.contact.language or invitation.survey.default_language)


def _speak_language(request, language: str):
    translation.activate(language or "en")
    request.LANGUAGE_CODE = translation.get_language()


def _refused_page(request, refused):
    _speak_customers_language(request, refused.invitation)
    closed = isinstance(refused, services.SurveyClosed)
    return render(request, "surveys/survey_closed.html" if closed else "surveys/link_expired.html", status=410)


def _answer_form_page(request, invitation, form, status):
    previous = getattr(invitation, "answer", None)
    context = {**page_texts(invitation.survey, form["score"].value()), "form": form, "previous": previous}
    context["carried_score"] = _carried_score(request, invitation.survey, previous)
    return render(request, "surveys/answer.html", {**context, "save_score": True}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    if request.method == "POST":
        return _post_answer(request, token)
    invitation, refusal = _invitation_or_refusal(request, token)
    if refusal:
        return refusal
    previous = getattr(invitation, "answer", None)
    initial = {"score": request.GET.get("score"), "comment": previous.comment if previous else ""}
    if previous and initial["score"] is None:
        initial["score"] = previous.score
    return _answer_form_page(request, invitation, AnswerForm(initial=initial), status=200)


def _invitation_or_refusal(request, token):
    """The link's invitation, with the customer's language switched on; or the page that says why not."""
    try:
        invitation = services.find_invitation(token)
    except services.LinkUnknown:
        return None, render(request, "surveys/link_unknown.html", status=404)
    except services.LinkRefused as refused:
        return None, _refused_page(request, refused)
    _speak_customers_language(request, invitation)
    return invitation, None


def _post_answer(request, token):
    """The answer is found, locked and saved in one small transaction (services.answer_link); the page
    is then rendered from what it returned. Errors are words in the customer's language."""
    form = AnswerForm(request.POST)
    step = request.POST.get("step", "")
    if form.is_valid():
        try:
            answer = services.answer_link(
                token=token,
                score=form.cleaned_data["score"],
                comment=None if step == "score" else form.cleaned_data["comment"],
            )
        except services.LinkUnknown:
            return render(request, "surveys/link_unknown.html", status=404)
        except services.LinkRefused as refused:
            return _refused_page(request, refused)
        except ValidationError as error:
            add_errors(form, error)
        else:
            assert answer.invitation is not None
            _speak_customers_language(request, answer.invitation)
            if _wants_json(request):
                return JsonResponse({"score": answer.score, "comment": answer.comment})
            return render(request, "surveys/thanks.html", thanks_context(answer.survey, answer, step=step))
    # The form again, with its errors (lazy words: they render in the language activated here).
    invitation, refusal = _invitation_or_refusal(request, token)
    if refusal:
        return refusal
    if _wants_json(request):
        return JsonResponse({"errors": form.errors}, status=400)
    return _answer_form_page(request, invitation, form, status=400)


def _carried_score(request, survey, previous) -> str:
    """The score the email's link carries, for the page's script to save once a person is there (a GET never
    records: mail scanners open every link); "" when there is none, or it is the score already saved."""
    score = request.GET.get("score", "") if request.method != "POST" else ""
    if not score.isdigit() or int(score) not in survey.scores:
        return ""
    return "" if previous is not None and previous.score == int(score) else score


@csrf_exempt  # RFC 8058: the mail client's one-click POST carries no cookie; the signed token authorises it
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """A GET shows a confirm button (link scanners open every link); a POST unsubscribes."""
    try:
        contact = services.contact_for_unsubscribe(token)
    except services.UnsubscribeLinkExpired as expired:
        if expired.contact:
            _speak_language(request, expired.contact.language)
        return render(request, "surveys/unsubscribe_expired.html", status=410)
    if contact is None:
        return render(request, "surveys/link_unknown.html", status=404)
    _speak_language(request, contact.language)
    if request.method == "POST":
        services.unsubscribe(contact=contact)
        return render(request, "surveys/unsubscribed.html", {"contact": contact})
    return render(request, "surveys/unsubscribe_confirm.html", {"contact": contact})


LINK_ANSWERS_PER_HOUR = 20  # from one address to one survey: a person answers once or twice, a bot hundreds


def over_hourly_limit(request, survey, *, answer_key: str = "") -> bool:
    """Count this address's anonymous posts to the survey (web link and widget) in the current hour.

    Only a change of an answer already counted goes free: `answer_key` is then the handle its author was
    given (`services.link_answer_key`). Anything else may record a new answer, and counts."""
    if answer_key and services.link_answer_id(answer_key) is not None:
        return False
    key = f"weblink:{survey.pk}:{client_address(request)}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) > LINK_ANSWERS_PER_HOUR


def _is_step_two(request) -> bool:
    """The second step of the web link: the comment for the answer whose handle the page carries."""
    return request.POST.get("step") == "comment" and bool(request.POST.get("answer"))


def _record_link_answer(request, survey, data):
    """A new anonymous answer, or the comment for the one this visitor just gave (step two)."""
    if _is_step_two(request):
        return services.update_link_answer(
            survey=survey, key=request.POST["answer"], score=data["score"], comment=data["comment"]
        )
    return services.record_link_answer(
        survey=survey, score=data["score"], comment=data["comment"], language=translation.get_language()
    )


@require_http_methods(["GET", "HEAD", "POST"])
def web_link(request, slug):
    """The survey's anonymous link: the same page and checks, a honeypot field and a per-address limit."""
    survey = Survey.objects.filter(public_slug=slug).first()
    if survey is None:
        return render(request, "surveys/link_unknown.html", status=404)
    if not survey.is_active:
        return render(request, "surveys/survey_closed.html", status=410)
    translation.activate(request.LANGUAGE_CODE or survey.default_language)
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("website"):  # only bots fill the hidden field: thank them, keep nothing
            return render(request, "surveys/thanks.html", {"survey": survey, "answer": None})
        step_two_key = request.POST["answer"] if _is_step_two(request) else ""  # any other POST may add an answer
        if over_hourly_limit(request, survey, answer_key=step_two_key):
            return render(request, "surveys/too_many.html", status=429)
        if form.is_valid():
            try:
                answer = _record_link_answer(request, survey, form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                step = request.POST.get("step", "")
                context = {**thanks_context(survey, answer, step=step), "answer_key": services.link_answer_key(answer)}
                return render(request, "surveys/thanks.html", context)
    chosen = form["score"].value() if request.method == "POST" else request.GET.get("score")
    context = {**page_texts(survey, chosen), "form": form, "honeypot": True}
    return render(request, "surveys/answer.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "HEAD"])
def brand_css(request, color):
    """A survey's brand colour as a stylesheet: the policy allows no inline style on the answer page.

    The address is the colour itself (six hex digits, checked by the URL), so it may be cached for good."""
    response = HttpResponse(f":root {{ --brand: #{color}; }}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_http_methods(["GET", "HEAD"])
def logo(request, survey_id, version):
    """A survey's logo; the version in the address changes with the image, so it may be cached for good."""
    survey_logo = SurveyLogo.objects.filter(survey_id=survey_id, survey__logo_version=version).first()
    if survey_logo is None:
        raise Http404
    response = HttpResponse(bytes(survey_logo.image), content_type=survey_logo.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
