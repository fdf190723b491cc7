"""Every route × every persona, the expected status written down once per route.

The URL resolver is walked, so a new route without a row in ROUTES fails `test_every_route_has_a_row`.
Personas: anonymous, an agent of the case's team, an agent of another team, a manager, an admin; API
routes are asked twice, with the session and with `Authorization: Token` (anonymous: no credentials).
Each route is one test on fresh data; its personas ask in the order of the columns.
"""

import os
import uuid
from dataclasses import dataclass

import pytest
from django.contrib.admin import site
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from followup.models import EmailTemplate, Rule
from integrations.models import (
    HelpdeskConnection,
    SlackChannel,
    SlackDelivery,
    TicketRequest,
    WebhookDelivery,
    WebhookEndpoint,
)
from reviews.models import ImportJob
from surveys.models import Audience, RecurringSend
from tests.followup.helpers import detractor_case
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "agent", "outsider", "manager", "admin")


@dataclass(frozen=True)
class Row:
    method: str
    statuses: tuple[int, int, int, int, int]  # in the order of PERSONAS
    target: str = ""  # which object of the world fills the route's argument


def r(method: str, anonymous: int, agent: int, outsider: int, manager: int, admin: int, target: str = "") -> Row:
    return Row(method, (anonymous, agent, outsider, manager, admin), target)


LOGIN = 302  # an HTML page sends the anonymous visitor to the login page
API_ANON = 401  # DRF with token authentication first: 401 and a WWW-Authenticate header
ANYMAIL = r("POST", 400, 400, 400, 400, 400)  # provider webhooks: their own shared secret, nobody's session
NOT_SET_UP_WEBHOOK = r("POST", 404, 404, 404, 404, 404)  # a provider that needs more than the shared secret
# Providers whose webhooks need only ANYMAIL_WEBHOOK_SECRET, so they are set up on every deployment.
SET_UP_WEBHOOKS = {
    f"anymail:{provider}_{kind}_webhook"
    for provider, kinds in {
        "postmark": ("inbound", "tracking"),
        "mailjet": ("inbound", "tracking"),
        "sparkpost": ("inbound", "tracking"),
        "brevo": ("tracking",),
        "resend": ("tracking",),
        "mailtrap": ("tracking",),
    }.items()
    for kind in kinds
}

ROUTES: dict[str, Row] = {
    # the base layer
    "home": r("GET", LOGIN, 302, 302, 200, 200),  # agents to their queue; who reads reports, the tiles
    "healthz": r("GET", 200, 200, 200, 200, 200),
    "login": r("GET", 200, 200, 200, 200, 200),
    "logout": r("POST", 302, 302, 302, 302, 302),
    "password_change": r("GET", LOGIN, 200, 200, 200, 200),
    "password_change_done": r("GET", LOGIN, 200, 200, 200, 200),
    "set_language": r("POST", 302, 302, 302, 302, 302),
    "activity": r("GET", LOGIN, 403, 403, 403, 200),
    "activity_csv": r("GET", LOGIN, 403, 403, 403, 200),
    "profile": r("GET", LOGIN, 200, 200, 200, 200),
    # each user's own security page: tokens, two-factor, recovery codes (posted empty: back to the page)
    "security": r("GET", LOGIN, 200, 200, 200, 200),
    "revoke_token": r("POST", LOGIN, 404, 404, 404, 404, "token"),  # only one's own token, never another's
    "revoke_legacy_token": r("POST", LOGIN, 302, 302, 302, 302),
    "regenerate_codes": r("POST", LOGIN, 302, 302, 302, 302),
    "remove_two_factor": r("POST", LOGIN, 302, 302, 302, 302),
    "two_factor_setup": r("GET", LOGIN, 200, 200, 200, 200),
    "two_factor_verify": r("GET", LOGIN, 302, 302, 302, 302),
    "csp_report": r("POST", 400, 400, 400, 400, 400),  # browsers report without a session; an empty body is a 400
    "preview_document": r("GET", LOGIN, 404, 404, 404, 404, "preview"),  # only its author's key, never a guess
    # the API
    "api-root": r("GET", API_ANON, 200, 200, 200, 200),
    "api-contacts-import": r("POST", API_ANON, 403, 403, 400, 400),
    "survey-list": r("GET", API_ANON, 403, 403, 200, 200),
    "survey-detail": r("GET", API_ANON, 403, 403, 200, 200, "survey"),
    "survey-archive": r("POST", API_ANON, 403, 403, 200, 200, "survey"),
    "survey-sends": r("POST", API_ANON, 403, 403, 201, 201, "survey"),  # empty: to everyone, now
    "survey-stats": r("GET", API_ANON, 403, 403, 200, 200, "survey"),
    "segment-list": r("GET", API_ANON, 403, 403, 200, 200),
    "segment-detail": r("GET", API_ANON, 403, 403, 200, 200, "segment"),
    "segment-preview": r("POST", API_ANON, 403, 403, 200, 200),  # no conditions: everyone
    "segment-preview-saved": r("GET", API_ANON, 403, 403, 200, 200, "segment"),
    "recurring-send-list": r("GET", API_ANON, 403, 403, 200, 200),
    "recurring-send-detail": r("GET", API_ANON, 403, 403, 200, 200, "recurring"),
    "webhook-list": r("GET", API_ANON, 403, 403, 403, 200),  # admins only
    "webhook-detail": r("GET", API_ANON, 403, 403, 403, 200, "webhook"),
    "case-list": r("GET", API_ANON, 200, 200, 200, 200),
    "case-detail": r("GET", API_ANON, 200, 404, 200, 200, "case"),
    "contact-list": r("GET", API_ANON, 200, 200, 200, 200),
    "contact-detail": r("GET", API_ANON, 200, 404, 200, 200, "contact"),
    "contact-archive": r("POST", API_ANON, 403, 403, 200, 200, "contact"),
    "api-contact-export": r("GET", API_ANON, 403, 403, 200, 200, "contact"),
    "api-contact-export-by-email": r("GET", API_ANON, 403, 403, 400, 400),  # no ?email=: 400
    "api-contact-erase": r("POST", API_ANON, 403, 403, 403, 400, "contact"),  # admins; no confirm_email: 400
    "api-loop-metrics": r("GET", API_ANON, 403, 403, 200, 200),
    "api-invitations": r("POST", API_ANON, 403, 403, 400, 400, "survey"),
    "api-feedback": r("GET", API_ANON, 200, 200, 200, 200),
    "api-metric": r("GET", API_ANON, 403, 403, 200, 200, "metric"),
    "api-agreement": r("GET", API_ANON, 200, 200, 200, 200),
    "schema": r("GET", API_ANON, 200, 200, 200, 200),
    "api-docs": r("GET", API_ANON, 200, 200, 200, 200),
    # what customers open
    "surveys:web_link": r("GET", 200, 200, 200, 200, 200, "slug"),
    "surveys:widget": r("GET", 200, 200, 200, 200, 200, "slug"),
    "surveys:logo": r("GET", 404, 404, 404, 404, 404, "logo"),
    "surveys:brand_css": r("GET", 200, 200, 200, 200, 200, "brand"),
    "surveys:answer": r("GET", 200, 200, 200, 200, 200, "answer"),
    "surveys:unsubscribe": r("GET", 200, 200, 200, 200, 200, "unsubscribe"),
    # managers' survey pages
    "surveys:manage": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:contacts": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:contact": r("GET", LOGIN, 403, 403, 200, 200, "contact"),
    "surveys:contact-export": r("GET", LOGIN, 403, 403, 200, 200, "contact"),
    "surveys:contact-tags": r("POST", LOGIN, 403, 403, 302, 302, "contact"),  # empty: no tags
    "surveys:contact-erase": r("GET", LOGIN, 403, 403, 403, 200, "contact"),
    "surveys:manage_new": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:manage_edit": r("GET", LOGIN, 403, 403, 200, 200, "survey"),
    "surveys:manage_embed": r("GET", LOGIN, 403, 403, 200, 200, "survey"),
    "surveys:manage_send": r("GET", LOGIN, 403, 403, 200, 200, "survey"),
    "surveys:manage_preview": r("POST", LOGIN, 403, 403, 200, 200),
    "surveys:segments": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:segment_new": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:segment_edit": r("GET", LOGIN, 403, 403, 200, 200, "segment"),
    "surveys:schedules": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:schedule_new": r("GET", LOGIN, 403, 403, 200, 200),
    "surveys:schedule_edit": r("GET", LOGIN, 403, 403, 200, 200, "recurring"),
    # reports
    "reviews:overview": r("GET", LOGIN, 403, 403, 200, 200),
    "reviews:explorer": r("GET", LOGIN, 200, 200, 200, 200),
    "reviews:correct_labels": r("POST", LOGIN, 400, 404, 400, 400, "feedback"),  # no correction named: 400
    "reviews:suggested_topics": r("GET", LOGIN, 403, 403, 403, 200),  # who may add topics: admins
    "reviews:accept_suggested_topic": r("POST", LOGIN, 403, 403, 403, 400),  # nothing named: 400
    "reviews:imports": r("GET", LOGIN, 403, 403, 200, 200),
    "reviews:import_job": r("GET", LOGIN, 403, 403, 200, 200, "import_job"),
    "reviews:import_errors": r("GET", LOGIN, 403, 403, 200, 200, "import_job"),
    "followup:loop_report": r("GET", LOGIN, 403, 403, 200, 200),
    # the agents' queue and case
    "followup:queue": r("GET", LOGIN, 200, 200, 200, 200),
    "followup:bulk": r("POST", LOGIN, 302, 302, 302, 302),
    "followup:case": r("GET", LOGIN, 200, 404, 200, 200, "case"),
    "followup:claim": r("POST", LOGIN, 302, 404, 302, 302, "case"),
    # the other actions, posted empty: a 400 naming what is missing, for whoever may act
    "followup:assign": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:note": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:call": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:compensation": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:status": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:reply": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:reply_template": r("GET", LOGIN, 200, 404, 200, 200, "case"),
    "followup:resolve": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:troll": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    "followup:recovery": r("POST", LOGIN, 400, 404, 400, 400, "case"),
    # admins' settings
    "followup:rules": r("GET", LOGIN, 403, 403, 403, 200),
    "followup:rule_new": r("GET", LOGIN, 403, 403, 403, 200),
    "followup:rule_edit": r("GET", LOGIN, 403, 403, 403, 200, "rule"),
    "followup:templates": r("GET", LOGIN, 403, 403, 200, 200),  # managers read the templates
    "followup:template_new": r("GET", LOGIN, 403, 403, 403, 200),
    "followup:template_edit": r("GET", LOGIN, 403, 403, 403, 200, "template"),
    "followup:template_preview": r("POST", LOGIN, 403, 403, 403, 200),
    "followup:priority": r("GET", LOGIN, 403, 403, 403, 200),
    "integrations:webhooks": r("GET", LOGIN, 403, 403, 403, 200),
    "integrations:webhook_new": r("GET", LOGIN, 403, 403, 403, 200),
    "integrations:webhook_edit": r("GET", LOGIN, 403, 403, 403, 200, "webhook"),
    "integrations:webhook_deliveries": r("GET", LOGIN, 403, 403, 403, 200, "webhook"),
    "integrations:webhook_resume": r("POST", LOGIN, 403, 403, 403, 302, "webhook"),
    "integrations:webhook_pause": r("POST", LOGIN, 403, 403, 403, 302, "webhook"),
    "integrations:webhook_delete": r("POST", LOGIN, 403, 403, 403, 302, "webhook"),
    "integrations:webhook_resend": r("POST", LOGIN, 403, 403, 403, 302, "webhook_delivery"),
    "integrations:slack": r("GET", LOGIN, 403, 403, 403, 200),
    "integrations:slack_channel": r("GET", LOGIN, 403, 403, 403, 200, "team"),
    "integrations:slack_test": r("POST", LOGIN, 403, 403, 403, 302, "team"),
    "integrations:slack_pause": r("POST", LOGIN, 403, 403, 403, 302, "team"),
    "integrations:slack_resume": r("POST", LOGIN, 403, 403, 403, 302, "team"),
    "integrations:slack_remove": r("POST", LOGIN, 403, 403, 403, 302, "team"),
    "integrations:helpdesk": r("GET", LOGIN, 403, 403, 403, 200),
    "integrations:helpdesk_new": r("GET", LOGIN, 403, 403, 403, 200),
    "integrations:helpdesk_edit": r("GET", LOGIN, 403, 403, 403, 200, "helpdesk"),
    "integrations:helpdesk_test": r("POST", LOGIN, 403, 403, 403, 302, "helpdesk"),
    # the helpdesk's status webhook: its signature, nobody's session (none here, so 401 for everyone)
    "integrations:helpdesk_events": r("POST", 401, 401, 401, 401, 401, "helpdesk"),
}
ADMIN_SITE = r("GET", 302, 302, 302, 302, 200)  # Django admin, staff only: every page of admin.site
ADMIN_CANNOT = {  # pages even an admin may not open, on purpose
    "/admin/auth/group/add/": 403,  # the three roles are made by migrations, not by hand
    "/admin/feedback_platform/activityentry/add/": 403,  # the activity log is written by services only
    "/admin/followup/inboundemail/add/": 403,  # customer replies arrive, nobody types them in
    "/admin/integrations/webhookendpoint/add/": 403,  # on the settings page, whose service checks the URL
    "/admin/integrations/webhookdelivery/add/": 403,  # made by events only
    "/admin/integrations/slackchannel/add/": 403,  # on the Slack settings page, whose service checks the URL
    "/admin/integrations/slackdelivery/add/": 403,  # made by the activity log and the test button only
    "/admin/integrations/helpdeskconnection/add/": 403,  # on the settings page, whose service checks the address
    "/admin/integrations/ticketrequest/add/": 403,  # made by a rule's "open a ticket" only
    # django-axes' lockout records and django-otp's devices: no role is granted them, superusers only
    **{
        f"/admin/{model}/{page}": 403
        for model in (
            "axes/accessattempt",
            "axes/accesslog",
            "axes/accessfailurelog",
            "otp_static/staticdevice",
            "otp_totp/totpdevice",
        )
        for page in ("", "add/")
    },
}


def route_names(resolver=None, namespace: str = ""):
    """The name of every URL pattern (the DRF format-suffix twin of a route shares its name and its row)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from route_names(pattern, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"


def expected_row(name: str) -> Row | None:
    if name.startswith("admin:"):
        return ADMIN_SITE
    if name.startswith("anymail:"):
        return ANYMAIL
    return ROUTES.get(name)


def test_every_route_has_a_row():
    missing = sorted({name for name in route_names() if expected_row(name) is None})
    assert not missing, f"routes without an expected row in ROUTES: {missing}"
    stale = sorted(set(ROUTES) - set(route_names()))
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Four users for each of ~70 routes: PBKDF2's cost on every one would take minutes (it is no subject here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(_fast_passwords, agent, other_team_agent, manager, admin_user):
    case = detractor_case()
    survey = case.feedback.survey
    survey.public_slug = "matrix"
    survey.save()
    _, answer_token = sent_invitation(survey=survey)
    segment = Audience.objects.create(name="Everyone")
    schedule = RecurringSend.objects.create(survey=survey, segment=segment, weekdays=[0])
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", events=["case.opened"])
    sent = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="case.opened", body="{}", status="sent"
    )
    # Its test connection is refused at once (port 9 of loopback): a redirect with the message, no wait.
    connection = HelpdeskConnection.objects.create(
        base_url="http://127.0.0.1:9", agent_email="agent@acme.example", api_token="t", signing_secret="s"
    )
    TicketRequest.objects.create(connection=connection, system="zendesk", case=case, status="sent", ticket_id="7")
    channel = SlackChannel.objects.create(team=case.team, webhook_url="http://127.0.0.1:9/services/T0/B0/x")
    SlackDelivery.objects.create(
        channel=channel, kind="new_case", source="activity:0", case=case, status="sent", response_status=200
    )
    job = ImportJob.objects.create(filename="r.csv", data=b"", platform="shop", status=ImportJob.Status.DONE)
    return {
        "users": {"agent": agent, "outsider": other_team_agent, "manager": manager, "admin": admin_user},
        "args": {
            "case": {"pk": case.pk},
            "feedback": {"pk": case.feedback_id},
            "contact": {"pk": case.contact_id},
            "survey": {"pk": survey.pk},
            "slug": {"slug": survey.public_slug},
            "logo": {"survey_id": survey.pk, "version": "1"},
            "answer": {"token": answer_token},
            "unsubscribe": {"token": answer_token},
            "metric": {"kind": "nps"},
            "preview": {"key": "not-a-preview-of-yours"},
            "brand": {"color": "336699"},
            "token": {"pk": 999_999},
            "import_job": {"pk": job.pk},
            "segment": {"pk": segment.pk},
            "recurring": {"pk": schedule.pk},
            "rule": {"pk": Rule.objects.first().pk},
            "template": {"pk": EmailTemplate.objects.first().pk},
            "webhook": {"pk": endpoint.pk},
            "webhook_delivery": {"pk": sent.pk},
            "team": {"team_pk": channel.team_id},
            "helpdesk": {"pk": connection.pk},
        },
    }


def ask(client, row: Row, url: str, persona: str, world, *, token: bool):
    client.logout()
    client.raise_request_exception = False  # a 500 is a status to compare, not a crash of the test
    headers = {}
    if persona != "anonymous":
        user = world["users"][persona]
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
        else:
            client.force_login(user)
    call = client.post if row.method == "POST" else client.get
    return call(url, **headers).status_code


def check(client, world, row: Row, url: str, *, api: bool) -> list[str]:
    wrong = []
    for persona, expected in zip(PERSONAS, row.statuses, strict=True):
        modes = [False, True] if api and persona != "anonymous" else [False]
        for token in modes:
            got = ask(client, row, url, persona, world, token=token)
            if got != expected:
                wrong.append(
                    f"{row.method} {url} as {persona}{' (token)' if token else ''}: {got}, expected {expected}"
                )
    return wrong


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_route_answers_each_persona_as_written(client, world, name):
    row = ROUTES[name]
    url = reverse(name, kwargs=world["args"][row.target] if row.target else None)
    wrong = check(client, world, row, url, api=url.startswith("/api/"))
    if os.environ.get("MATRIX_REPORT"):
        print("MATRIX", *wrong, sep="\n")
    assert not wrong, "\n".join(wrong)


def admin_urls():
    for model in site._registry:
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))


def test_the_admin_site_is_for_staff_only(client, world):
    wrong = []
    for url in [reverse("admin:index"), *admin_urls()]:
        row = ADMIN_SITE
        if url in ADMIN_CANNOT:
            row = Row("GET", (*ADMIN_SITE.statuses[:-1], ADMIN_CANNOT[url]))
        wrong += check(client, world, row, url, api=False)
    assert not wrong, "\n".join(wrong)


def test_the_provider_webhooks_take_no_one_s_session(client, world):
    names = sorted({name for name in route_names() if name.startswith("anymail:")})
    wrong = []
    for name in names:
        # A provider this deployment has not set up (no signing key) is not here: 404, never a 500.
        row = ANYMAIL if name in SET_UP_WEBHOOKS else NOT_SET_UP_WEBHOOK
        wrong += check(client, world, row, reverse(name), api=False)
    assert not wrong, "\n".join(wrong)
    assert set(names) >= SET_UP_WEBHOOKS
