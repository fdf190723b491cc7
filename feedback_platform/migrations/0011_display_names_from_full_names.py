"""Staff who already have a first and last name keep signing without a visit to their profile: their full name
becomes their display name (never the username; users without a name set one before they email customers)."""

from django.db import migrations


def fill_display_names(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("feedback_platform", "Profile")
    for user in User.objects.exclude(first_name="", last_name="").iterator():
        full_name = " ".join(f"{user.first_name} {user.last_name}".split())
        profile, _ = Profile.objects.get_or_create(user=user)
        if not profile.display_name and full_name:
            profile.display_name = full_name[:100]
            profile.save(update_fields=["display_name"])


class Migration(migrations.Migration):
    dependencies = [("feedback_platform", "0010_role_grants")]
    operations = [migrations.RunPython(fill_display_names, migrations.RunPython.noop)]
