"""Teams' Slack channels and the messages posted to them; admins manage them (0002's grant, run again, gives the
Admin group every integrations permission, the new models' too)."""

from importlib import import_module

import django.db.models.deletion
import django.utils.timezone
import integrations.models
from django.db import migrations, models


def grant(apps, schema_editor):
    import_module("integrations.migrations.0002_admin_permissions").grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0012_helpdesk_tickets_and_team_language"),
        ("integrations", "0002_admin_permissions"),
        ("feedback_platform", "0001_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="SlackChannel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("paused", "Paused")], default="active", max_length=8
                    ),
                ),
                ("paused_reason", models.CharField(blank=True, max_length=300)),
                ("paused_at", models.DateTimeField(blank=True, null=True)),
                ("consecutive_failures", models.PositiveIntegerField(default=0)),
                ("webhook_url", models.CharField(max_length=500, verbose_name="Incoming webhook URL")),
                (
                    "notifications",
                    models.JSONField(default=integrations.models.every_notification, verbose_name="Notifications"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "team",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="slack_channel", to="followup.team"
                    ),
                ),
            ],
            options={
                "ordering": ["team__name"],
            },
        ),
        migrations.CreateModel(
            name="SlackDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("inflight", "Sending"),
                            ("awaiting_retry", "Awaiting retry"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("withheld", "Withheld"),
                        ],
                        default="queued",
                        max_length=16,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("inflight_since", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("new_case", "New detractor case"),
                            ("sla_breach", "SLA breach"),
                            ("customer_reply", "Customer reply"),
                            ("test", "Test message"),
                        ],
                        max_length=16,
                    ),
                ),
                ("source", models.CharField(max_length=80)),
                ("facts", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("response_excerpt", models.CharField(blank=True, max_length=500)),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="followup.case",
                    ),
                ),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="integrations.slackchannel",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["channel", "-created_at"], name="slack_delivery_log_idx")],
                "constraints": [models.UniqueConstraint(fields=("channel", "source"), name="slack_delivery_once")],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
