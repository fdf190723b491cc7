"""A Slack webhook URL and a helpdesk's address carry credentials (the URL itself, the API token beside it): one
rule (`outbound.check_secret_destination`) wants a public https address for both, plain http only where outbound
HTTP may reach private addresses (tests, a closed network)."""

import pytest

from followup.models import Team
from integrations.models import HelpdeskConnection
from integrations.slack import url_problems
from integrations.ticketing import connection_problems

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.216.34"  # an address literal: nothing to resolve, and nothing is sent


def helpdesk(url: str) -> HelpdeskConnection:
    return HelpdeskConnection(
        system="zendesk",
        team=Team.objects.get(is_default=True),
        base_url=url,
        agent_email="a@example.com",
        api_token="t0ken",
    )


def test_plain_http_is_refused_for_both_with_their_own_words(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    assert url_problems(f"http://{PUBLIC}/services/T/B/x") == ["Use the https:// address Slack gave you."]
    assert connection_problems(helpdesk(f"http://{PUBLIC}")).get("base_url") == [
        "Use an https:// address: the API token must not travel unencrypted."
    ]
    assert url_problems(f"https://{PUBLIC}/services/T/B/x") == []
    assert "base_url" not in connection_problems(helpdesk(f"https://{PUBLIC}"))


def test_the_scheme_is_told_first_then_a_private_address(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    private = ["This address points into a private network, which is not allowed."]
    assert connection_problems(helpdesk("http://10.0.0.5")).get("base_url") == [
        "Use an https:// address: the API token must not travel unencrypted."
    ]
    assert url_problems("https://127.0.0.1/hook") == private
    assert connection_problems(helpdesk("https://10.0.0.5")).get("base_url") == private
    assert url_problems("ftp://hooks.slack.com/x") == ["Enter an http:// or https:// address."]


def test_where_private_addresses_are_allowed_plain_http_is_too(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the tests' loopback servers, a closed network
    assert url_problems("http://127.0.0.1:9/hook") == []
    assert "base_url" not in connection_problems(helpdesk("http://127.0.0.1:9"))
