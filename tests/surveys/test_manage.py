import re

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
    email_url, page_url = re.findall(r'src="(/previews/[^"]+/)"', preview)  # framed documents (the CSP)
    email, page = (client.get(url).content.decode() for url in (email_url, page_url))
    assert "私たちのサービスにどのくらい満足していますか？" in email  # the standard CSAT question, in Japanese
    assert "とても満足" in page
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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the signature is what is checked


def test_a_logo_is_uploaded_checked_served_and_shown_in_the_email_and_on_the_page(client, manager, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from surveys.emails import render_invitation
    from surveys.models import Contact, Invitation
    from tests.surveys.helpers import sent_invitation

    client.force_login(manager)
    svg = SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", content_type="image/png")
    refused = client.post("/surveys/manage/new/", {**FORM, "logo_upload": svg})
    assert refused.status_code == 400 and "Upload the logo as PNG, JPEG, GIF or WebP." in refused.content.decode()
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 200_000)
    assert "at most 100 KB" in client.post("/surveys/manage/new/", {**FORM, "logo_upload": big}).content.decode()
    assert not Survey.objects.exists()

    client.post("/surveys/manage/new/", {**FORM, "logo_upload": SimpleUploadedFile("logo.png", PNG)})
    survey = Survey.objects.get()
    url = f"/s/logo/{survey.pk}/{survey.logo_version}/"
    served = client.get(url)
    assert served.status_code == 200 and served.content == PNG and served["Content-Type"] == "image/png"
    assert "immutable" in served["Cache-Control"]
    assert client.get(f"/s/logo/{survey.pk}/stale/").status_code == 404
    email = render_invitation(Invitation(survey=survey, contact=Contact(email="a@example.com")), "t0ken")
    assert f'<img src="{settings.SITE_URL}{url}" alt="Delivery CSAT"' in email.html
    invitation, token = sent_invitation(survey=survey)
    assert f'src="{url}"' in client.get(f"/s/{token}/").content.decode()
    preview = client.post("/surveys/manage/preview/", {**FORM, "preview_survey": survey.pk}).content.decode()
    framed = [client.get(src).content.decode() for src in re.findall(r'src="(/previews/[^"]+/)"', preview)]
    assert all(url in document for document in framed)  # the editor's preview shows the saved logo
    assert client.post("/surveys/manage/preview/", {**FORM, "preview_survey": "x"}).status_code == 200

    edit = {**FORM, "remove_logo": "on"}
    client.post(f"/surveys/manage/{survey.pk}/", edit)
    survey.refresh_from_db()
    assert survey.logo_version == "" and client.get(url).status_code == 404


def test_managers_import_contacts_on_the_page_with_a_per_row_report(client, manager, agent):
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile

    from surveys.models import Contact

    csv = "email,name,language,plan,shoe_size\nmei@example.com,陈梅,zh-hans,pro,38\nnot-an-email,Bad,en,,\n"
    client.force_login(agent)
    assert client.get("/surveys/contacts/").status_code == 403  # the contacts page is the managers'
    agent.user_permissions.add(Permission.objects.get(codename="change_contact"))  # may see the page
    agent = type(agent).objects.get(pk=agent.pk)  # (a fresh user: permissions are cached per object)
    client.force_login(agent)
    upload = SimpleUploadedFile("contacts.csv", csv.encode("gb18030"))
    assert client.post("/surveys/contacts/", {"file": upload}).status_code == 403  # but do not import them
    client.force_login(manager)
    page = client.post("/surveys/contacts/", {"file": SimpleUploadedFile("contacts.csv", csv.encode("gb18030"))})
    text = page.content.decode()
    assert page.status_code == 200 and "2 rows read (gb18030): 1 new, 0 updated." in text
    assert "<td>3</td><td>email</td><td>not an email address: &#x27;not-an-email&#x27;</td>" in text
    assert "shoe_size" in text and "unknown column" in text
    assert Contact.objects.get().attributes == {"plan": "pro"}
    assert "陈梅" in client.get("/surveys/contacts/?q=mei").content.decode()
    refused = client.post("/surveys/contacts/", {"file": SimpleUploadedFile("c.pdf", b"%PDF")})
    assert refused.status_code == 400 and "Upload a .csv or .xlsx file." in refused.content.decode()
