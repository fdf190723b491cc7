"""The default topic taxonomy (issue: delivery, price, product quality, customer service,
usability, billing and refunds), with keywords in English, Chinese and Japanese."""

from django.db import migrations

TOPICS = {
    "delivery": (
        "Delivery",
        {
            "en": [
                "delivery",
                "deliver",
                "shipping",
                "shipped",
                "parcel",
                "package",
                "courier",
                "arrived",
                "late",
                "tracking",
                "box",
            ],
            "zh-hans": ["快递", "物流", "发货", "送达", "配送", "包裹", "到货", "运输", "包装"],
            "ja": ["配送", "発送", "届", "宅配", "梱包", "到着", "遅れ", "荷物"],
        },
    ),
    "price": (
        "Price",
        {
            "en": ["price", "expensive", "cheap", "cost", "value for money", "overpriced", "went up"],
            "zh-hans": ["价格", "贵", "便宜", "性价比", "涨价", "价钱"],
            "ja": ["価格", "値段", "高い", "安い", "値上げ", "コスパ", "料金"],
        },
    ),
    "product_quality": (
        "Product quality",
        {
            "en": ["quality", "broken", "damaged", "defect", "faulty", "material"],
            "zh-hans": ["质量", "坏", "破损", "做工", "瑕疵", "品质"],
            "ja": ["品質", "壊れ", "不良", "傷", "質"],
        },
    ),
    "customer_service": (
        "Customer service",
        {
            "en": ["support", "service", "agent", "customer service", "on hold", "answered", "rude", "helpful"],
            "zh-hans": ["客服", "服务", "态度", "回复", "售后"],
            "ja": ["サポート", "対応", "問い合わせ", "スタッフ", "親切", "返事"],
        },
    ),
    "usability": (
        "Usability",
        {
            "en": ["app", "website", "easy to use", "hard to", "logs me out", "crash", "login", "interface", "clunky"],
            "zh-hans": ["app", "闪退", "操作", "界面", "好用", "难用", "登录"],
            "ja": ["アプリ", "使いやす", "使いにく", "ログイン", "ログアウト", "画面"],
        },
    ),
    "billing": (
        "Billing",
        {
            "en": ["billing", "charged", "invoice", "payment", "bill", "subscription fee", "overcharged"],
            "zh-hans": ["扣费", "账单", "付款", "支付", "收费", "发票"],
            "ja": ["請求", "支払", "課金", "引き落とし", "明細"],
        },
    ),
    "refunds": (
        "Refunds",
        {
            "en": ["refund", "money back", "reimburse", "return"],
            "zh-hans": ["退款", "退货", "退钱"],
            "ja": ["返金", "返品", "払い戻し"],
        },
    ),
}


def create_topics(apps, schema_editor):
    Topic = apps.get_model("reviews", "Topic")
    for slug, (name, keywords) in TOPICS.items():
        Topic.objects.get_or_create(slug=slug, defaults={"name": name, "keywords": keywords})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_classification_labels")]
    operations = [migrations.RunPython(create_topics, migrations.RunPython.noop)]
