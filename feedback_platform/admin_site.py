"""Django's admin, with every write it makes past the services recorded in the activity log.

Most of the product's admin pages save through a service, which records its own entry. The rest (a case,
an answer, an invitation or a user changed by hand; anything deleted) would leave no trace but Django's own
admin log, so this site gives every registered ModelAdmin (Django's own included: a user's groups are
their role) a `…_in_admin` entry for each save and deletion its class does not hand to a service.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import transaction


def _record(request, obj, verb: str, fields: list[str] | None = None) -> None:
    from .activity import Actor, record_activity  # models: not importable while the app registry loads

    opts = obj._meta
    record_activity(
        actor=Actor.from_request(request),
        action=f"{opts.app_label}.{opts.model_name}.{verb}_in_admin",
        target=obj,
        payload={"fields": fields} if fields else {},  # field names only, never their values
    )


class RecordsAdminWrites:
    """What a ModelAdmin saves or deletes itself, recorded in the same transaction as the write."""

    admin_class: type[admin.ModelAdmin] = admin.ModelAdmin  # the class this one records for

    def _own(self, method: str) -> bool:
        """True when the admin class keeps Django's own `method` (a service would record its own entry)."""
        return getattr(self.admin_class, method) is getattr(admin.ModelAdmin, method)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        if self._own("save_model"):  # inside the admin's atomic change view
            _record(request, obj, "changed" if change else "added", list(form.changed_data))

    def delete_model(self, request, obj):
        if not self._own("delete_model"):
            return super().delete_model(request, obj)  # type: ignore[misc]
        with transaction.atomic():
            _record(request, obj, "deleted")
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request, queryset):
        if not self._own("delete_queryset"):
            return super().delete_queryset(request, queryset)  # type: ignore[misc]
        with transaction.atomic():  # the bulk action is not atomic itself
            for obj in queryset:
                _record(request, obj, "deleted")
            super().delete_queryset(request, queryset)  # type: ignore[misc]


class RecordingAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        attrs = {"__module__": base.__module__, "admin_class": base}
        return super().register(model_or_iterable, type(base.__name__, (RecordsAdminWrites, base), attrs), **options)


class RecordingAdminConfig(AdminConfig):
    default_site = "feedback_platform.admin_site.RecordingAdminSite"
