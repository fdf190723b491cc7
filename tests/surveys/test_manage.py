import pytest

from surveys.models import Survey

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Delivery CSAT",
    "kind": "csat",
    "scale_min": 1,
    "scale_max": 5,
    "status": "active",
    "default_language": "en",
    "brand_color": "#1e8449",
    "translations": "{}",
    "link_lifetime_days": 30,
}


def test_a_manager_creates_a_survey_with_a_live_preview(client, manager):
    client.force_login(manager)
    preview = client.post("/surveys/manage/preview/", {**FORM, "preview_language": "ja"}).content.decode()
    assert "私たちのサービスにどのくらい満足していますか？" in preview  # the standard CSAT question, in Japanese
    assert "srcdoc=" in preview and "とても満足" in preview
    response = client.post("/surveys/manage/new/", FORM)
    assert response.status_code == 302
    survey = Survey.objects.get(name="Delivery CSAT")
    assert (survey.kind, survey.scale_max, survey.brand_color) == ("csat", 5, "#1e8449")
    assert "Delivery CSAT" in client.get("/surveys/manage/").content.decode()


def test_bad_input_is_named_and_agents_cannot_edit(client, manager, agent):
    client.force_login(manager)
    response = client.post("/surveys/manage/new/", {**FORM, "scale_min": 5, "scale_max": 1, "brand_color": "green"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The highest score must be above the lowest." in page and "Use a colour like #1e8449." in page
    assert not Survey.objects.exists()
    client.force_login(agent)
    assert client.get("/surveys/manage/new/").status_code == 403
