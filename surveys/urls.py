from django.urls import path, re_path

from . import audience_views, contact_views, manage_views, person_views, send_views, views, widget

app_name = "surveys"
urlpatterns = [
    path("s/w/<slug:slug>/", views.web_link, name="web_link"),
    path("s/widget/<slug:slug>/", widget.widget, name="widget"),
    re_path(r"^s/brand/(?P<color>[0-9a-fA-F]{6})\.css$", views.brand_css, name="brand_css"),
    path("s/logo/<int:survey_id>/<str:version>/", views.logo, name="logo"),
    path("s/<str:token>/", views.answer, name="answer"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("surveys/manage/", manage_views.survey_list, name="manage"),
    path("surveys/contacts/", contact_views.contact_list, name="contacts"),
    path("surveys/contacts/<int:pk>/", person_views.contact_detail, name="contact"),
    path("surveys/contacts/<int:pk>/tags/", person_views.contact_tags, name="contact-tags"),
    path("surveys/contacts/<int:pk>/export/", person_views.contact_export, name="contact-export"),
    path("surveys/contacts/<int:pk>/erase/", person_views.contact_erase, name="contact-erase"),
    path("surveys/manage/new/", manage_views.survey_edit, name="manage_new"),
    path("surveys/manage/<int:pk>/", manage_views.survey_edit, name="manage_edit"),
    path("surveys/manage/<int:pk>/embed/", manage_views.survey_embed, name="manage_embed"),
    path("surveys/manage/<int:pk>/send/", send_views.survey_send, name="manage_send"),
    path("surveys/segments/", audience_views.segment_list, name="segments"),
    path("surveys/segments/new/", audience_views.segment_edit, name="segment_new"),
    path("surveys/segments/<int:pk>/", audience_views.segment_edit, name="segment_edit"),
    path("surveys/recurring/", audience_views.schedule_list, name="schedules"),
    path("surveys/recurring/new/", audience_views.schedule_edit, name="schedule_new"),
    path("surveys/recurring/<int:pk>/", audience_views.schedule_edit, name="schedule_edit"),
    path("surveys/manage/preview/", manage_views.survey_preview, name="manage_preview"),
]
