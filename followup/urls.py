from django.urls import path

from .views import case, loop_report, queue, settings_pages

app_name = "followup"
urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("queue/bulk/", queue.bulk, name="bulk"),
    path("cases/<int:pk>/", case.case_detail, name="case"),
    path("cases/<int:pk>/claim/", case.claim, name="claim"),
    path("cases/<int:pk>/assign/", case.assign, name="assign"),
    path("cases/<int:pk>/note/", case.add_note, name="note"),
    path("cases/<int:pk>/call/", case.log_call, name="call"),
    path("cases/<int:pk>/compensation/", case.compensate, name="compensation"),
    path("cases/<int:pk>/status/", case.change_status, name="status"),
    path("cases/<int:pk>/reply/", case.reply, name="reply"),
    path("cases/<int:pk>/reply-template/", case.reply_template, name="reply_template"),
    path("cases/<int:pk>/resolve/", case.resolve, name="resolve"),
    path("cases/<int:pk>/troll/", case.mark_troll, name="troll"),
    path("cases/<int:pk>/recovery/", case.reschedule_recovery, name="recovery"),
    path("settings/rules/", settings_pages.rules, name="rules"),
    path("settings/rules/new/", settings_pages.edit_rule, name="rule_new"),
    path("settings/rules/<int:pk>/", settings_pages.edit_rule, name="rule_edit"),
    path("settings/templates/", settings_pages.templates, name="templates"),
    path("settings/templates/new/", settings_pages.edit_template, name="template_new"),
    path("settings/templates/<int:pk>/", settings_pages.edit_template, name="template_edit"),
    path("settings/templates/preview/", settings_pages.preview_template, name="template_preview"),
    path("settings/priority/", settings_pages.priority_weights, name="priority"),
    path("reports/loop/", loop_report.loop, name="loop_report"),
]
