"""The survey editor's bugs: translations checked by shape, a preview that never fails, a slug that is not
"taken" by its own survey, links that live at least a day, and a subject line that is never the internal name."""

import html
import re

import pytest
from django.core import mail

from surveys.emails import render_invitation
from surveys.models import Contact, Invitation, Survey
from tests.factories import SurveyFactory

from .test_manage import FORM

pytestmark = pytest.mark.django_db

BAD_TRANSLATIONS = [
    (["a list"], "one entry per language"),
    (42, "one entry per language"),
    ({"ja": "not a dict"}, 'ja: give its texts as {"question": "…"}'),
    ({"klingon": {"question": "?"}}, "klingon is not a language of this site"),
    ({"ja": {"questoin": "?"}}, "ja: questoin is not a text of a survey"),
    ({"ja": {"question": 7}}, "ja: question must be text"),
    ({"ja": {"question": "x" * 301}}, "at most 300"),
]


@pytest.mark.parametrize(("translations", "message"), BAD_TRANSLATIONS, ids=lambda v: str(v)[:20])
def test_a_wrongly_shaped_translation_is_refused_by_the_api(client, manager, translations, message):
    client.force_login(manager)
    api = client.post("/api/v1/surveys/", {**FORM, "translations": translations}, content_type="application/json")
    assert api.status_code == 400 and list(api.json()) == ["translations"]
    assert message in " ".join(api.json()["translations"])
    assert not Survey.objects.exists()


def test_a_text_too_long_in_one_tab_is_named_there_and_the_preview_still_works(client, manager):
    client.force_login(manager)
    post = {**FORM, "zh-hans__thanks_promoter": "谢" * 501, "ja__question": "おすすめしますか？"}
    response = client.post("/surveys/manage/new/", post)
    page = response.content.decode()
    assert response.status_code == 400 and not Survey.objects.exists()
    tab = re.search(r'<button class="nav-link([^"]*)" id="tab-zh-hans"', page).group(1)
    assert "active" in tab and "text-danger" in tab  # the tab in error is the one open
    assert re.search(
        r'id="id_zh-hans__thanks_promoter"[^>]*is-invalid|is-invalid[^>]*id="id_zh-hans__thanks_promoter"', page
    )
    assert "おすすめしますか？" in page  # what was typed in the other tab stays
    preview = client.post("/surveys/manage/preview/", {**post, "preview_language": "zh-hans"})
    assert preview.status_code == 200


def test_a_good_translation_is_saved_from_the_form_and_the_api(client, manager):
    client.force_login(manager)
    texts = {"ja": {"question": "おすすめしますか？", "email_subject": "ご意見をお聞かせください"}}
    tabs = {"ja__question": "おすすめしますか？", "ja__email_subject": "ご意見をお聞かせください"}
    assert client.post("/surveys/manage/new/", {**FORM, **tabs}).status_code == 302
    api = client.post(
        "/api/v1/surveys/", {**FORM, "name": "API", "translations": texts}, content_type="application/json"
    )
    assert api.status_code == 201
    assert [s.translations for s in Survey.objects.order_by("pk")] == [texts, texts]


@pytest.mark.parametrize(
    "changes",
    [
        {"scale_min": 12, "scale_max": 3},
        {"scale_min": "x", "kind": "nope"},
        {"ja__question": "x" * 301, "en__email_subject": "y" * 201},
        {"brand_color": "green", "link_lifetime_days": -4},
        {},
    ],
    ids=str,
)
def test_the_preview_never_fails_whatever_the_form_holds(client, manager, changes):
    client.force_login(manager)
    for language in ("en", "zh-hans", "ja"):
        preview = client.post("/surveys/manage/preview/", {**FORM, **changes, "preview_language": language})
        assert preview.status_code == 200
        email_url, page_url = re.findall(r'src="(/previews/[^"]+/)"', preview.content.decode())
        assert client.get(email_url).status_code == 200 and client.get(page_url).status_code == 200
        if language == "en":  # the phone page states the comment's limit (it had no number in the preview)
            assert "Up to 5000 characters." in client.get(page_url).content.decode()


def test_an_old_row_with_a_wrong_shape_neither_breaks_the_page_nor_the_invitation(client):
    survey = SurveyFactory(public_slug="old")
    Survey.objects.filter(pk=survey.pk).update(translations=["a list"])  # stored before the check existed
    survey.refresh_from_db()
    email = render_invitation(Invitation(survey=survey, contact=Contact(email="a@example.com", language="ja")), "t")
    assert email.subject == "簡単なご質問のお願い"  # the standard subject: the broken texts read as absent
    assert survey.text("question", "ja") == survey.text("question", "en")  # the survey's own, or the standard one
    assert client.get("/s/w/old/").status_code == 200


def test_editing_a_survey_with_a_slug_shows_no_false_taken_slug(client, manager):
    survey = SurveyFactory(public_slug="spring", translations={})
    client.force_login(manager)
    data = {**FORM, "public_slug": "spring", "preview_survey": survey.pk}
    preview = client.post("/surveys/manage/preview/", data).content.decode()
    assert "already exists" not in preview
    assert client.post(f"/surveys/manage/{survey.pk}/", {**FORM, "public_slug": "spring"}).status_code == 302
    SurveyFactory(public_slug="autumn")
    taken = client.post("/surveys/manage/preview/", {**data, "public_slug": "autumn"}).content.decode()
    assert "already exists" in taken  # another survey's slug still is


@pytest.mark.parametrize("days", [0, -1])
def test_a_link_lifetime_under_one_day_is_refused_with_a_message(client, manager, days):
    client.force_login(manager)
    response = client.post("/surveys/manage/new/", {**FORM, "link_lifetime_days": days})
    assert response.status_code == 400
    if days == 0:
        assert "A link must stay valid for at least one day." in response.content.decode()
    api = client.post(
        "/api/v1/surveys/", {**FORM, "translations": {}, "link_lifetime_days": days}, content_type="application/json"
    )
    assert api.status_code == 400 and list(api.json()) == ["link_lifetime_days"]


def test_the_invitation_subject_is_the_subject_field_per_language_never_the_internal_name(client, manager):
    from tests.surveys.helpers import sent_invitation

    survey = SurveyFactory(
        name="Q3 churn-risk test (internal)",
        email_subject="How did we do?",
        translations={"ja": {"email_subject": "ご感想をお聞かせください"}},
    )
    subjects = {}
    for language in ("en", "ja", "zh-hans"):
        contact = Contact.objects.create(email=f"{language}@example.com", language=language)
        invitation, token = sent_invitation(survey=survey, contact=contact)
        subjects[language] = render_invitation(invitation, token).subject
    assert subjects == {"en": "How did we do?", "ja": "ご感想をお聞かせください", "zh-hans": "How did we do?"}
    plain = SurveyFactory(name="Internal codename")
    contact = Contact.objects.create(email="zh@example.com", language="zh-hans")
    invitation, token = sent_invitation(survey=plain, contact=contact)
    subject = render_invitation(invitation, token).subject
    assert "Internal codename" not in subject and subject == "想请您回答一个小问题"
    assert not mail.outbox


def test_each_language_has_its_tab_with_the_standard_wording_as_placeholder(client, manager):
    survey = SurveyFactory(
        kind="nps",
        default_language="en",
        question="Would you recommend Northwind?",
        translations={"ja": {"question": "ノースウィンドをおすすめしますか？"}},
    )
    client.force_login(manager)
    page = html.unescape(client.get(f"/surveys/manage/{survey.pk}/").content.decode())

    def field(name):
        return re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page).group(0)

    assert 'value="Would you recommend Northwind?"' in field("en__question")  # the survey's own text: English
    assert 'value="ノースウィンドをおすすめしますか？"' in field("ja__question")
    assert 'placeholder="Would you recommend Northwind?"' in field("zh-hans__question")  # what zh readers get now
    assert 'placeholder="そのスコアの一番の理由は何ですか？"' in field("ja__comment_question")  # the standard wording
    assert 'placeholder="想请您回答一个小问题"' in field("zh-hans__email_subject")
    assert re.search(r'class="nav-link active[^"]*" id="tab-en"', page)  # the main language's tab is open


def test_the_main_language_tab_is_the_surveys_own_text_and_the_others_its_translations(client, manager):
    survey = SurveyFactory(default_language="en", question="Old English question", translations={})
    client.force_login(manager)
    post = {**FORM, "default_language": "ja", "ja__question": "おすすめしますか？", "en__question": "Recommend us?"}
    assert client.post(f"/surveys/manage/{survey.pk}/", post).status_code == 302
    survey.refresh_from_db()
    assert survey.question == "おすすめしますか？" and survey.translations == {"en": {"question": "Recommend us?"}}
    assert survey.text("question", "zh-hans") == "おすすめしますか？"  # the main language's text is the fallback
