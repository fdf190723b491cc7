"""The roles as the README's role table says them (0001 granted more than the product meant).

- Agents work cases: they no longer read the survey set-up (`/surveys/manage/`, the surveys API and its
  stats) nor the email templates' settings page; replies from a template keep working (the case permission).
- Managers no longer see the admins' follow-up rules (`/settings/rules/`).
- Admins hold every permission of the product's apps, including the models added after 0001.

Contacts stay readable by agents, scoped to the customers of their teams' cases (`followup/visibility.py`);
the contacts page needs `surveys.change_contact`, which agents never had.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TAKEN = {
    "Agent": ["surveys.view_survey", "followup.view_emailtemplate"],
    "Manager": ["followup.view_rule"],
}
ADMIN_APPS = ["surveys", "reviews", "followup", "authtoken"]


def _permissions(Permission, names):
    return [
        Permission.objects.get(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        for name in names
    ]


def grant(apps, schema_editor):
    """Take and give as above (idempotent; the tests call it after a flush)."""
    for app_config in apps.get_app_configs():  # permissions of models added since 0001 may not exist yet
        models_module = getattr(app_config, "models_module", None)  # a module in the tests' replay only
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, taken in TAKEN.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(*_permissions(Permission, taken))
    admin = Group.objects.filter(name="Admin").first()
    if admin:
        admin.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))


def restore(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, taken in TAKEN.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.add(*_permissions(Permission, taken))


class Migration(migrations.Migration):
    dependencies = [
        ("feedback_platform", "0009_api_tokens"),
        ("surveys", "0013_review_site_validated"),
        ("reviews", "0015_topic_rollups_by_every_dimension"),
        ("followup", "0008_follow_ups_wait_to_settle"),
    ]
    operations = [migrations.RunPython(grant, restore)]
