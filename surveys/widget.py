"""The in-app widget's endpoint: a customer's own site shows the survey with static/js/widget.js.

Cross-origin by nature, so CSRF does not apply: only the survey's configured origins get CORS
headers, no cookie is read or set, and a honeypot and the per-address hourly limit keep bots out.
"""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from feedback_platform.cleantext import UNSTORABLE, unstorable_paths

from . import services
from .forms import AnswerForm
from .models import AnswerChannel, Survey
from .views import over_hourly_limit, page_texts, thanks_context

ALLOWED_METHODS = "GET, POST, OPTIONS"


@csrf_exempt
def widget(request, slug):
    survey = Survey.objects.filter(public_slug=slug).first()
    origin = request.headers.get("Origin", "")
    if survey is None:
        return _json({"error": _("No such survey.")}, 404)
    own_page = origin == request.build_absolute_uri("/").rstrip("/")  # the survey editor's embed preview
    if origin and not own_page and not survey.allows_widget_on(origin):
        return _json({"error": _("This site may not show the survey.")}, 403)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Origin"], response["Vary"] = origin, "Origin"
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        return response
    if request.method not in ("GET", "POST"):
        return _json({"error": _("Method not allowed.")}, 405, origin=origin)
    if not survey.is_active:
        return _json({"error": _("This survey is not taking answers right now")}, 410, origin=origin)
    translation.activate(_language(request, survey))
    if request.method == "GET":
        return _json(_config(survey), 200, origin=origin)
    return _answer(request, survey, origin)


def _answer(request, survey, origin):
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError
    except ValueError:
        return _json({"errors": {"body": [_("Send a JSON object.")]}}, 400, origin=origin)
    unstorable = unstorable_paths(data)
    if unstorable:
        return _json({"errors": {path: [str(UNSTORABLE)] for path in unstorable}}, 400, origin=origin)
    if data.get("website"):  # the honeypot: thanked, nothing kept
        return _json({"thanks": _("Thank you for your answer!")}, 201, origin=origin)
    if over_hourly_limit(request, survey, answer_key=str(data.get("answer") or "")):  # with a key: a change
        return _json({"error": _("Too many answers from here; try again later.")}, 429, origin=origin)
    form = AnswerForm({"score": data.get("score"), "comment": data.get("comment") or ""})
    if not form.is_valid():
        return _json({"errors": form.errors}, 400, origin=origin)
    try:
        if data.get("answer"):
            answer = services.update_link_answer(
                survey=survey,
                key=str(data["answer"]),
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"] if "comment" in data else None,
            )
        else:
            answer = services.record_link_answer(
                survey=survey,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                language=translation.get_language(),
                channel=AnswerChannel.WIDGET,
            )
    except ValidationError as error:
        return _json({"errors": error.message_dict}, 400, origin=origin)
    thanks = thanks_context(survey, answer)
    body = {"answer": services.link_answer_key(answer), "thanks": thanks["thanks"] or _("Thank you for your answer!")}
    body["follow_up"] = thanks["follow_up"]
    return _json(body, 200 if data.get("answer") else 201, origin=origin)


def _config(survey) -> dict:
    """Everything the script needs to draw the survey, in the visitor's language."""
    texts = page_texts(survey, None)
    return {
        "question": texts["question"],
        "scores": list(survey.scores),
        "low_label": str(texts["low_label"]),
        "high_label": str(texts["high_label"]),
        "follow_ups": texts["follow_ups"],
        "detractor_max": texts["detractor_max"],
        "passive_max": texts["passive_max"],
        "brand_color": survey.brand_color,
        "labels": {"send": _("Send"), "close": _("Close"), "saved": _("Your score is saved. Anything to add?")},
    }


def _language(request, survey) -> str:
    wanted = (request.GET.get("lang") or "").lower()
    return wanted if wanted in dict(settings.LANGUAGES) else request.LANGUAGE_CODE or survey.default_language


def _json(body: dict, status: int, origin: str = "") -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if origin:
        response["Access-Control-Allow-Origin"] = origin  # only ever one the survey lists, or our own
    response["Vary"] = "Origin"
    return response
