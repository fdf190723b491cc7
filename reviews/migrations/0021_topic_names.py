"""A name per language for topics, and the default taxonomy's names in Chinese and Japanese.

Only topics whose names were never set get them: a name an admin already gave wins.
"""

from django.db import migrations, models

NAMES = {
    "delivery": {"zh-hans": "物流配送", "ja": "配送"},
    "price": {"zh-hans": "价格", "ja": "価格"},
    "product_quality": {"zh-hans": "产品质量", "ja": "商品の品質"},
    "customer_service": {"zh-hans": "客户服务", "ja": "カスタマーサポート"},
    "usability": {"zh-hans": "易用性", "ja": "使いやすさ"},
    "billing": {"zh-hans": "账单与扣费", "ja": "請求・お支払い"},
    "refunds": {"zh-hans": "退款", "ja": "返金"},
}


def name_topics(apps, schema_editor):
    Topic = apps.get_model("reviews", "Topic")
    for topic in Topic.objects.filter(slug__in=NAMES):
        if not topic.names:
            topic.names = NAMES[topic.slug]
            topic.save(update_fields=["names"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0020_classifier_model")]
    operations = [
        migrations.AddField(model_name="topic", name="names", field=models.JSONField(blank=True, default=dict)),
        migrations.RunPython(name_topics, migrations.RunPython.noop),
    ]
