"""The default customer templates without their own sign-off (every email is now signed by the sender: the
agent's display name and signature, or the team), the parts an agent must write marked [[…]] instead of a
bracketed prompt that could reach a customer, and a reply template that does not repeat the apology.

Only templates still exactly as shipped are changed: an admin's own wording is kept."""

from importlib import import_module

from django.db import migrations

SHIPPED = import_module("followup.migrations.0002_defaults").TEMPLATES

TEMPLATES = {
    "apology": {
        "en": (
            "We are sorry, {name}, and we want to make it right",
            "Dear {name},\n\nThank you for telling us how you feel. We are sorry that your experience fell short "
            "of what you expected, and we take it seriously.\n\nCould you tell us a little more about what "
            "happened? Simply reply to this email: a member of our team reads every reply and will get back to "
            "you personally.\n\nThank you for giving us the chance to do better.",
        ),
        "zh-hans": (
            "{name}，非常抱歉，我们希望弥补",
            "尊敬的{name}：\n\n感谢您坦诚地告诉我们您的感受。很抱歉这次的体验没有达到您的期望，我们非常重视。\n\n"
            "能否请您告诉我们更多细节？直接回复这封邮件即可，我们团队的成员会阅读每一封回复，并亲自与您联系。\n\n"
            "感谢您给我们改进的机会。",
        ),
        "ja": (
            "{name} 様、ご不便をおかけし申し訳ございません",
            "{name} 様\n\n率直なご意見をお寄せいただき、ありがとうございます。ご期待に沿えず、誠に申し訳ございません。"
            "真摯に受け止めております。\n\n差し支えなければ、どのようなことがあったのか詳しくお聞かせいただけますか。"
            "このメールにご返信いただくだけで結構です。担当者がすべての返信を拝読し、個別にご連絡いたします。\n\n"
            "改善の機会をいただき、ありがとうございます。",
        ),
    },
    "thank_you": {
        "en": (
            "Thank you for your feedback, {name}",
            "Dear {name},\n\nThank you for taking the time to answer. If there is one thing we could do better, "
            "just reply to this email and tell us.",
        ),
        "zh-hans": (
            "{name}，感谢您的反馈",
            "尊敬的{name}：\n\n感谢您抽出时间回答我们的问题。如果有任何我们可以做得更好的地方，欢迎直接回复这封邮件告诉我们。",
        ),
        "ja": (
            "{name} 様、ご回答ありがとうございました",
            "{name} 様\n\nお忙しい中ご回答いただき、ありがとうございました。改善できる点がございましたら、"
            "このメールにご返信のうえお知らせください。",
        ),
    },
    "promoter_thanks": {
        "en": (
            "Thank you, {name}!",
            "Dear {name},\n\nThank you for your kind words: they mean a lot to the whole team, and we will share "
            "them with the people who made it happen.",
        ),
        "zh-hans": (
            "{name}，衷心感谢！",
            "尊敬的{name}：\n\n感谢您的肯定，这对我们整个团队意义重大，我们会把您的话转达给每一位付出努力的同事。",
        ),
        "ja": (
            "{name} 様、ありがとうございます！",
            "{name} 様\n\n温かいお言葉をいただき、ありがとうございます。チーム一同の励みになります。"
            "関わったスタッフにも必ず共有いたします。",
        ),
    },
    # A paragraph added to the follow-up of the answer (one email, not a second one). Review sites' rules:
    # neutral wording, no incentive, the same words for every customer.
    "review_invitation": {
        "en": (
            "Would you share your experience?",
            "If you have a moment, you could also share your experience with other customers here: {review_url}\n\n"
            "Whatever you write, thank you for your honesty.",
        ),
        "zh-hans": (
            "愿意分享您的体验吗？",
            "如果方便，也欢迎在这里与其他顾客分享您的真实体验：{review_url}\n\n无论评价如何，都感谢您的坦诚。",
        ),
        "ja": (
            "ご体験をお聞かせいただけますか",
            "お時間がございましたら、こちらで他のお客様にご体験を共有いただけますと幸いです：{review_url}\n\n"
            "どのような内容でも、率直なご意見に感謝いたします。",
        ),
    },
    "resolution": {
        "en": (
            "What we did about your feedback (case {case_number})",
            "Dear {name},\n\nThank you again for telling us what went wrong. Here is what we have done:\n\n"
            "[[describe what was done]]\n\nIf anything is still not right, just reply to this email.",
        ),
        "zh-hans": (
            "关于您反馈的处理结果（案件 {case_number}）",
            "尊敬的{name}：\n\n再次感谢您告诉我们问题所在。我们已经做了以下处理：\n\n[[请描述处理措施]]\n\n"
            "如果还有任何不满意的地方，请直接回复这封邮件。",
        ),
        "ja": (
            "いただいたご意見への対応について（案件 {case_number}）",
            "{name} 様\n\n改めて、問題をお知らせいただきありがとうございました。以下のとおり対応いたしました。\n\n"
            "[[対応内容を記入]]\n\nまだご不満な点がございましたら、このメールにご返信ください。",
        ),
    },
    # The agent's reply: the apology has already gone out, so it does not say sorry again.
    "reply": {
        "en": (
            "About your feedback (case {case_number})",
            "Dear {name},\n\n[[write your answer]]\n\nIf you have any other question, just reply to this email.",
        ),
        "zh-hans": (
            "关于您的反馈（案件 {case_number}）",
            "尊敬的{name}：\n\n[[请填写回复内容]]\n\n如有其他问题，请直接回复这封邮件。",
        ),
        "ja": (
            "ご意見について（案件 {case_number}）",
            "{name} 様\n\n[[回答内容を記入]]\n\nほかにご不明な点がございましたら、このメールにご返信ください。",
        ),
    },
}


def update_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("followup", "EmailTemplate")
    for key, languages in TEMPLATES.items():
        for language, (subject, body) in languages.items():
            template = EmailTemplate.objects.filter(key=key, language=language).first()
            if template is None:
                EmailTemplate.objects.create(key=key, language=language, subject=subject, body=body)
            elif (template.subject, template.body) == SHIPPED.get(key, {}).get(language):
                template.subject, template.body = subject, body
                template.save(update_fields=["subject", "body"])


class Migration(migrations.Migration):
    dependencies = [("followup", "0006_team_sender_and_outbox_from")]
    operations = [migrations.RunPython(update_templates, migrations.RunPython.noop)]
