"""Create the Admin, Manager and Agent groups with explicit permissions.

The permission lists are frozen here on purpose: a later change of a role is a
new migration, so every database agrees on what a role may do.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = [
    "surveys.view_survey",
    "surveys.view_contact",
    "reviews.view_feedback",
    "followup.view_case",
    "followup.change_case",
    "followup.view_caseevent",
    "followup.add_caseevent",
    "followup.view_outboxemail",
    "followup.add_compensation",
    "followup.view_compensation",
    "followup.view_rootcause",
    "followup.view_emailtemplate",
    "followup.view_team",
]
MANAGER = AGENT + [
    "reviews.view_reports",
    "followup.view_all_cases",
    "followup.view_rule",
    "followup.view_rulefiring",
    "followup.view_priorityweight",
    "surveys.add_survey",
    "surveys.change_survey",
    "surveys.add_contact",
    "surveys.change_contact",
    "surveys.view_invitation",
    "surveys.add_invitation",
    "surveys.view_answer",
]
ADMIN_APPS = ["surveys", "reviews", "followup", "authtoken"]
ADMIN_EXTRA = ["auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group"]


def _permissions(Permission, names):
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    assign_roles(apps)


def assign_roles(apps):
    """Create the three groups with their permissions (idempotent; tests call it after a flush)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="Agent")[0].permissions.set(_permissions(Permission, AGENT))
    Group.objects.get_or_create(name="Manager")[0].permissions.set(_permissions(Permission, MANAGER))
    admin_permissions = list(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    admin_permissions += _permissions(Permission, MANAGER + ADMIN_EXTRA)
    Group.objects.get_or_create(name="Admin")[0].permissions.set(admin_permissions)
    importing = Permission.objects.filter(content_type__app_label="reviews", codename="import_reviews")
    for name in ("Manager", "Admin"):
        Group.objects.get(name=name).permissions.add(*importing)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Agent", "Manager", "Admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("surveys", "0001_initial"),
        ("reviews", "0001_initial"),
        ("followup", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
