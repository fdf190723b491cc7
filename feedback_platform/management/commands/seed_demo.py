"""Demo data for `make run`: users, two surveys, 300 contacts and six months of answers.

Idempotent: every row has a stable key (username, survey name, contact external
id, invitation idempotency key), and a second run finds them and adds nothing.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from feedback_platform import demo_data, roles
from feedback_platform.models import Profile
from feedback_platform.two_factor import AUTHENTICATOR
from followup.cases import open_case
from followup.models import Team
from reviews.ingest import ingest_answer
from reviews.models import Segment
from surveys import tokens
from surveys.models import Answer, Contact, Invitation, InvitationStatus, Survey, SurveyKind, SurveyStatus
from surveys.segments import current_thresholds, segment_for

DEMO_USERS = [
    # username, password, role
    ("admin", "demo-admin-pass", roles.ADMIN),
    ("manager", "demo-manager-pass", roles.MANAGER),
    ("agent", "demo-agent-pass", roles.AGENT),
]
# How customers see each demo user: emails are signed with the display name and the signature in their language.
DEMO_PROFILES = {
    "admin": (
        "Lena Fischer",
        {
            "en": "Customer Care lead, Northwind",
            "zh-hans": "Northwind 客户关怀主管",
            "ja": "Northwind カスタマーケア責任者",
        },
    ),
    "manager": (
        "Marco Rossi",
        {
            "en": "Customer Care manager, Northwind",
            "zh-hans": "Northwind 客户关怀经理",
            "ja": "Northwind カスタマーケア マネージャー",
        },
    ),
    "agent": (
        "Anna Schmidt",
        {"en": "Customer Care, Northwind", "zh-hans": "Northwind 客户关怀团队", "ja": "Northwind カスタマーケア"},
    ),
}
# Admins log in with a second factor: the demo admin's authenticator has this known key (RFC 6238's test
# key), so anyone can add it to an app, or ask `manage.py demo_totp_code` for the current code.
DEMO_ADMIN_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_ADMIN_TOTP_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
SURVEYS = [
    {
        "name": "Northwind relationship NPS",
        "kind": SurveyKind.NPS,
        "scale_min": 0,
        "scale_max": 10,
        "public_slug": "northwind-nps",  # the web link /s/w/northwind-nps/ and the in-app widget
        "reminder_after_days": 5,
    },
    {
        "name": "Delivery satisfaction",
        "kind": SurveyKind.CSAT,
        "scale_min": 1,
        "scale_max": 5,
        "question": "How satisfied are you with your delivery?",
    },
]
CONTACTS = 300
HISTORY_DAYS = 182
# Cases are opened for detractors of the last days only: older ones are history.
OPEN_CASES_FOR_DAYS = 5
LANGUAGE_WEIGHTS = {"en": 5, "zh-hans": 3, "ja": 2}
SCORE_WEIGHTS = {
    SurveyKind.NPS: [3, 2, 2, 3, 3, 5, 7, 12, 16, 20, 17],
    SurveyKind.CSAT: [6, 8, 14, 35, 37],
}


class Command(BaseCommand):
    help = "Load demo users, surveys, contacts and six months of answers (safe to run twice)."

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(2026)
        now = timezone.now().replace(microsecond=0)
        self.limits = current_thresholds()  # read once for every demo answer
        self._users()
        surveys = [self._survey(spec) for spec in SURVEYS]
        contacts = [self._contact(rng, i, now) for i in range(1, CONTACTS + 1)]
        answers = sum(self._history(rng, survey, contact, now) for contact in contacts for survey in surveys)
        self.stdout.write(f"Demo data: {len(contacts)} contacts, {len(surveys)} surveys, {answers} new answers.")
        self.stdout.write(self.style.SUCCESS("Open http://127.0.0.1:8000/ and log in as:"))
        for username, password, role in DEMO_USERS:
            self.stdout.write(f"  {role:<8} {username} / {password}")
        self.stdout.write(
            "  The admin is then asked for a code: add the key "
            f"{DEMO_ADMIN_TOTP_BASE32} to an authenticator app, or run .venv/bin/python manage.py demo_totp_code"
        )

    def _users(self):
        User = get_user_model()
        team = Team.objects.get(is_default=True)
        for username, password, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            if created:
                user.set_password(password)
                user.is_staff = user.is_superuser = role == roles.ADMIN
                user.save()
            user.groups.add(Group.objects.get(name=role))
            display_name, signatures = DEMO_PROFILES[username]
            profile, _ = Profile.objects.get_or_create(user=user)
            if not profile.display_name:  # a name the user set themselves is kept
                profile.display_name, profile.signatures = display_name, signatures
                profile.save(update_fields=["display_name", "signatures"])
            if role == roles.ADMIN and not TOTPDevice.objects.filter(user=user).exists():
                TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, key=DEMO_ADMIN_TOTP_KEY, confirmed=True)
            if role == roles.AGENT:
                team.members.add(user)

    def _survey(self, spec) -> Survey:
        defaults = {**spec, "status": SurveyStatus.ACTIVE}
        return Survey.objects.get_or_create(name=spec["name"], defaults=defaults)[0]

    def _contact(self, rng, i, now) -> Contact:
        language = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
        name = f"{rng.choice(demo_data.FIRST_NAMES[language])} {rng.choice(demo_data.LAST_NAMES[language])}"
        if language != "en":
            name = name.split(" ", 1)[1] + name.split(" ", 1)[0]  # family name first, no space
        attributes = {
            "plan": rng.choice(demo_data.PLANS),
            "region": rng.choice(demo_data.REGIONS),
            "product": rng.choice(demo_data.PRODUCTS),
            "lifetime_value": rng.randrange(20, 5000),
        }
        since = (now - timedelta(days=rng.randrange(1, 900))).date()
        contact, _ = Contact.objects.get_or_create(
            external_id=f"demo-{i:03d}",
            defaults={
                "email": f"customer{i:03d}@example.com",
                "name": name,
                "language": language,
                "customer_since": since,
                "attributes": attributes,
            },
        )
        return contact

    def _history(self, rng, survey, contact, now) -> int:
        """Up to three answered invitations per contact and survey, spread over six months."""
        created = 0
        for k in range(rng.randrange(0, 4)):
            answered_at = now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
            score = rng.choices(list(survey.scores), weights=SCORE_WEIGHTS[survey.kind])[0]
            segment, _ = segment_for(survey.kind, score, survey.scale_max, self.limits)
            comments = demo_data.COMMENTS[contact.language][segment]
            comment = rng.choice(comments) if rng.random() < 0.75 else ""
            sent_at = answered_at - timedelta(hours=rng.uniform(0.1, 48))
            # Every random draw happens before this check, so a second run draws the same plan.
            key = f"demo:{contact.external_id}:{k}"
            if Invitation.objects.filter(survey=survey, idempotency_key=key).exists():
                continue
            invitation = Invitation(survey=survey, contact=contact, idempotency_key=key, status=InvitationStatus.SENT)
            invitation.token_hash = tokens.new_token()[1]
            invitation.start_clock(now=sent_at)
            invitation.save()
            answer = Answer.objects.create(
                invitation=invitation,
                survey=survey,
                contact=contact,
                score=score,
                comment=comment,
                language=contact.language,
                answered_at=answered_at,
            )
            feedback = ingest_answer(answer=answer, announce=False)
            if segment == Segment.DETRACTOR and answered_at > now - timedelta(days=OPEN_CASES_FOR_DAYS):
                open_case(feedback=feedback, now=answered_at)
            created += 1
        return created
