"""The default thank-you rules wait a little before they email, so a score changed meanwhile replaces the
follow-up instead of adding a second email (followup/follow_up.py: one email per answer). The apology to a
detractor still goes at once (domain.md: minutes, not hours). Only rules still as shipped are changed."""

from django.db import migrations

SETTLE_MINUTES = 10
SETTLED_RULES = ["Passive: thank you", "Promoter: thank you and a review invitation"]


def settle_default_rules(apps, schema_editor):
    Rule = apps.get_model("followup", "Rule")
    Rule.objects.filter(name__in=SETTLED_RULES, email_delay_minutes=0).update(email_delay_minutes=SETTLE_MINUTES)


class Migration(migrations.Migration):
    dependencies = [("followup", "0007_templates_signed_and_marked")]
    operations = [migrations.RunPython(settle_default_rules, migrations.RunPython.noop)]
