from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from followup.api import CaseViewSet, LoopMetricsApi
from followup.views.home import home
from integrations.api import WebhookEndpointViewSet
from surveys.api import ContactImportApi, ContactViewSet, InvitationApi, SurveyViewSet
from surveys.audience_api import AudienceViewSet, RecurringSendViewSet
from surveys.person_api import ContactEraseApi, ContactExportApi, ContactExportByEmailApi

from . import activity_views, previews, profile_views, security, views

router = DefaultRouter()
router.register("surveys", SurveyViewSet, basename="survey")
router.register("cases", CaseViewSet, basename="case")
router.register("contacts", ContactViewSet, basename="contact")
router.register("segments", AudienceViewSet, basename="segment")
router.register("recurring-sends", RecurringSendViewSet, basename="recurring-send")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("", home, name="home"),  # a manager's tiles or an agent's queue (followup: it reads every app)
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/profile/", profile_views.profile, name="profile"),
    path("accounts/security/", security.security, name="security"),
    path("accounts/security/tokens/<int:pk>/revoke/", security.revoke_token, name="revoke_token"),
    path("accounts/security/tokens/legacy/revoke/", security.revoke_legacy_token, name="revoke_legacy_token"),
    path("accounts/security/codes/", security.regenerate_codes, name="regenerate_codes"),
    path("accounts/security/two-factor/remove/", security.remove_two_factor, name="remove_two_factor"),
    path("accounts/two-factor/setup/", security.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", security.two_factor_verify, name="two_factor_verify"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("csp-report/", views.csp_report, name="csp_report"),
    path("previews/<str:key>/", previews.preview_document, name="preview_document"),
    path("settings/activity/", activity_views.activity, name="activity"),
    path("settings/activity/activity.csv", activity_views.activity_csv, name="activity_csv"),
    path("admin/", admin.site.urls),
    path("anymail/", include("feedback_platform.provider_webhooks")),  # providers' webhooks: inbound replies
    path("api/v1/contacts/import/", ContactImportApi.as_view(), name="api-contacts-import"),
    path("api/v1/contacts/export/", ContactExportByEmailApi.as_view(), name="api-contact-export-by-email"),
    path("api/v1/contacts/<int:pk>/export/", ContactExportApi.as_view(), name="api-contact-export"),
    path("api/v1/contacts/<int:pk>/erase/", ContactEraseApi.as_view(), name="api-contact-erase"),
    path("api/v1/", include(router.urls)),
    path("api/v1/metrics/loop/", LoopMetricsApi.as_view(), name="api-loop-metrics"),
    path("api/v1/surveys/<int:pk>/invitations/", InvitationApi.as_view(), name="api-invitations"),
    path("api/v1/", include("reviews.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("surveys.urls")),
    path("reports/", include("reviews.urls")),
    path("", include("followup.urls")),
    path("", include("integrations.urls")),
]
