"""Defaults that work out of the box (domain.md): teams, root causes, priority
weights, customer email templates in English, Chinese and Japanese, and rules."""

from django.db import migrations

TEMPLATES = {
    "apology": {
        "en": (
            "We are sorry, {name}, and we want to make it right",
            "Dear {name},\n\nThank you for telling us how you feel. We are sorry that your experience fell short "
            "of what you expected, and we take it seriously.\n\nCould you tell us a little more about what "
            "happened? Simply reply to this email: a member of our team reads every reply and will get back to "
            "you personally.\n\nThank you for giving us the chance to do better.\n\nThe Northwind Care team",
        ),
        "zh-hans": (
            "{name}，非常抱歉，我们希望弥补",
            "尊敬的{name}：\n\n感谢您坦诚地告诉我们您的感受。很抱歉这次的体验没有达到您的期望，我们非常重视。\n\n"
            "能否请您告诉我们更多细节？直接回复这封邮件即可，我们团队的成员会阅读每一封回复，并亲自与您联系。\n\n"
            "感谢您给我们改进的机会。\n\nNorthwind 客户关怀团队",
        ),
        "ja": (
            "{name} 様、ご不便をおかけし申し訳ございません",
            "{name} 様\n\n率直なご意見をお寄せいただき、ありがとうございます。ご期待に沿えず、誠に申し訳ございません。"
            "真摯に受け止めております。\n\n差し支えなければ、どのようなことがあったのか詳しくお聞かせいただけますか。"
            "このメールにご返信いただくだけで結構です。担当者がすべての返信を拝読し、個別にご連絡いたします。\n\n"
            "改善の機会をいただき、ありがとうございます。\n\nNorthwind カスタマーケアチーム",
        ),
    },
    "thank_you": {
        "en": (
            "Thank you for your feedback, {name}",
            "Dear {name},\n\nThank you for taking the time to answer. If there is one thing we could do better, "
            "just reply to this email and tell us.\n\nThe Northwind Care team",
        ),
        "zh-hans": (
            "{name}，感谢您的反馈",
            "尊敬的{name}：\n\n感谢您抽出时间回答我们的问题。如果有任何我们可以做得更好的地方，欢迎直接回复这封邮件告诉我们。\n\n"
            "Northwind 客户关怀团队",
        ),
        "ja": (
            "{name} 様、ご回答ありがとうございました",
            "{name} 様\n\nお忙しい中ご回答いただき、ありがとうございました。改善できる点がございましたら、"
            "このメールにご返信のうえお知らせください。\n\nNorthwind カスタマーケアチーム",
        ),
    },
    "promoter_thanks": {
        "en": (
            "Thank you, {name}!",
            "Dear {name},\n\nThank you for your kind words: they mean a lot to the whole team, and we will share "
            "them with the people who made it happen.\n\nThe Northwind Care team",
        ),
        "zh-hans": (
            "{name}，衷心感谢！",
            "尊敬的{name}：\n\n感谢您的肯定，这对我们整个团队意义重大，我们会把您的话转达给每一位付出努力的同事。\n\n"
            "Northwind 客户关怀团队",
        ),
        "ja": (
            "{name} 様、ありがとうございます！",
            "{name} 様\n\n温かいお言葉をいただき、ありがとうございます。チーム一同の励みになります。"
            "関わったスタッフにも必ず共有いたします。\n\nNorthwind カスタマーケアチーム",
        ),
    },
    # Review sites' rules: neutral wording, no incentive, the same words for every customer.
    "review_invitation": {
        "en": (
            "Would you share your experience?",
            "Dear {name},\n\nIf you have a moment, you can share your experience with other customers here: "
            "{review_url}\n\nWhatever you write, thank you for your honesty.\n\nThe Northwind Care team",
        ),
        "zh-hans": (
            "愿意分享您的体验吗？",
            "尊敬的{name}：\n\n如果方便，欢迎在这里与其他顾客分享您的真实体验：{review_url}\n\n无论评价如何，都感谢您的坦诚。\n\n"
            "Northwind 客户关怀团队",
        ),
        "ja": (
            "ご体験をお聞かせいただけますか",
            "{name} 様\n\nお時間がございましたら、こちらで他のお客様にご体験を共有いただけます：{review_url}\n\n"
            "どのような内容でも、率直なご意見に感謝いたします。\n\nNorthwind カスタマーケアチーム",
        ),
    },
    "resolution": {
        "en": (
            "What we did about your feedback (case {case_number})",
            "Dear {name},\n\nThank you again for telling us what went wrong. Here is what we have done:\n\n"
            "[describe the fix]\n\nIf anything is still not right, just reply to this email.\n\n{agent_name}\n"
            "The Northwind Care team",
        ),
        "zh-hans": (
            "关于您反馈的处理结果（案件 {case_number}）",
            "尊敬的{name}：\n\n再次感谢您告诉我们问题所在。我们已经做了以下处理：\n\n[请描述处理措施]\n\n"
            "如果还有任何不满意的地方，请直接回复这封邮件。\n\n{agent_name}\nNorthwind 客户关怀团队",
        ),
        "ja": (
            "いただいたご意見への対応について（案件 {case_number}）",
            "{name} 様\n\n改めて、問題をお知らせいただきありがとうございました。以下のとおり対応いたしました。\n\n"
            "[対応内容を記入]\n\nまだご不満な点がございましたら、このメールにご返信ください。\n\n{agent_name}\n"
            "Northwind カスタマーケアチーム",
        ),
    },
}

ROOT_CAUSES = [
    "Product defect",
    "Delivery delay",
    "Billing error",
    "Service failure",
    "Misunderstanding of the product",
    "Price",
    "Other",
]

WEIGHTS = {
    "score": 40,
    "negative_sentiment": 15,
    "churn_intent": 20,
    "high_value": 10,
    "new_customer": 10,
    "repeat_detractor": 10,
    "public_review": 15,
}


def create_defaults(apps, schema_editor):
    Team = apps.get_model("followup", "Team")
    RootCause = apps.get_model("followup", "RootCause")
    PriorityWeight = apps.get_model("followup", "PriorityWeight")
    EmailTemplate = apps.get_model("followup", "EmailTemplate")
    Rule = apps.get_model("followup", "Rule")

    if not Team.objects.filter(is_default=True).exists():
        Team.objects.get_or_create(name="Customer care", defaults={"is_default": True})
    review_queue, _ = Team.objects.get_or_create(name="Review queue", defaults={"auto_assign": False})
    for name in ROOT_CAUSES:
        RootCause.objects.get_or_create(name=name)
    for factor, weight in WEIGHTS.items():
        PriorityWeight.objects.get_or_create(factor=factor, defaults={"weight": weight})
    for key, languages in TEMPLATES.items():
        for language, (subject, body) in languages.items():
            EmailTemplate.objects.get_or_create(key=key, language=language, defaults={"subject": subject, "body": body})

    rules = [
        {
            "name": "Suspicious review: no automatic reply, to the review queue",
            "position": 10,
            "suspicion": "suspicious",
            "no_auto_reply": True,
            "open_case": True,
            "case_team": review_queue,
            "stop_processing": True,
        },
        {
            "name": "Detractor: apology and a case within the hour",
            "position": 20,
            "segments": ["detractor"],
            "email_template": "apology",
            "open_case": True,
            "sla_minutes": 60,
        },
        {"name": "Passive: thank you", "position": 30, "segments": ["passive"], "email_template": "thank_you"},
        {
            "name": "Promoter: thank you and a review invitation",
            "position": 40,
            "segments": ["promoter"],
            "email_template": "promoter_thanks",
            "invite_review": True,
        },
    ]
    for rule in rules:
        Rule.objects.get_or_create(name=rule["name"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
