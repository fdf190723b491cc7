import re

import pytest
from django.urls import reverse

from tests.followup.helpers import detractor_case

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("followup:queue"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_agent_gets_403_on_manager_pages(client, agent):
    client.force_login(agent)
    assert client.get(reverse("reviews:overview")).status_code == 403


def test_an_agent_lands_on_the_queue_and_a_manager_on_the_tiles(client, agent, manager):
    client.force_login(agent)
    assert client.get(reverse("home")).url == reverse("followup:queue")
    client.force_login(manager)
    assert 'data-testid="tile-open"' in client.get(reverse("home")).content.decode()


def nav_links(page: str) -> set[str]:
    """The addresses the main navigation links to (not the page's own forms and links)."""
    nav = page[page.index("<nav") : page.index("</nav>")]
    return set(re.findall(r'class="nav-link" href="([^"]+)"', nav))


def test_the_nav_shows_only_what_the_role_may_use(client, agent, manager):
    manager_pages = {reverse(name) for name in ("reviews:overview", "surveys:manage", "reviews:imports")}
    client.force_login(agent)
    links = nav_links(client.get(reverse("followup:queue")).content.decode())
    assert reverse("followup:queue") in links and reverse("reviews:explorer") in links
    assert not links & manager_pages
    assert reverse("admin:index") not in links
    client.force_login(manager)
    links = nav_links(client.get(reverse("reviews:overview")).content.decode())
    assert manager_pages | {reverse("followup:queue")} <= links
    assert reverse("followup:rules") not in links  # the admins' rules
    assert reverse("admin:index") not in links  # not staff


def test_an_agent_of_another_team_gets_404_on_a_case(client, agent, other_team_agent):
    case = detractor_case()
    client.force_login(agent)
    assert client.get(reverse("followup:case", args=[case.pk])).status_code == 200
    client.force_login(other_team_agent)
    assert client.get(reverse("followup:case", args=[case.pk])).status_code == 404
    assert f'data-case="{case.pk}"' not in client.get(reverse("followup:queue")).content.decode()


def test_a_manager_sees_every_team_s_cases(client, manager):
    case = detractor_case()
    client.force_login(manager)
    assert client.get(reverse("followup:case", args=[case.pk])).status_code == 200


def test_login_and_password_change_work(client, agent):
    response = client.post(reverse("login"), {"username": agent.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "n3w-Secret-pass",
            "new_password2": "n3w-Secret-pass",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("n3w-Secret-pass")


def test_the_language_switcher_changes_the_interface(client, agent):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "ja", "next": "/queue/"})
    page = client.get(reverse("followup:queue")).content.decode()
    assert 'lang="ja"' in page
