"""Demo comments and names for seed_demo: a fictional store and subscription service, Northwind."""
# ruff: noqa: E501

COMMENTS = {
    "en": {
        "detractor": [
            "My order arrived two weeks late and nobody answered my emails!!!",
            "I was charged twice this month. Fix your billing.",
            "The box was damaged and half the items were broken.",
            "I want a refund. This is the third time the delivery failed.",
            "Support kept me on hold for 40 minutes and then hung up. TERRIBLE.",
            "I'm switching to another provider, the price went up again without notice.",
            "Please cancel my subscription, the quality has gone downhill.",
            "The app logs me out every day and I lose my cart.",
            "Not what I expected from the photos, a bit disappointing.",
            "Why is it so hard to change my delivery address??",
            "The refund never arrived. Terrible!!",
            "Too expensive for what you get.",
            "Still no dark mode? My eyes hurt in the evening.",
            '<script>alert("x")</script> your site is broken',
        ],
        "passive": [
            "Good products, but delivery could be faster.",
            "Fine overall. The app is a bit clunky.",
            "Decent value, nothing special.",
            "The support agent was polite, it just took a while.",
            "OK, but I had to contact support twice about billing.",
            "Nice quality, prices are a little high.",
            "Would be nice to have a dark mode.",
        ],
        "promoter": [
            "Fast delivery and everything was perfectly packed.",
            "The support team solved my problem in five minutes. Thank you!",
            "Love the quality, I recommend you to all my friends.",
            "The app is so easy to use, reordering takes seconds.",
            "Great value for money and the box always arrives on time.",
            "Anna from customer service went above and beyond.",
        ],
    },
    "zh-hans": {
        "detractor": [
            "快递太慢了！！！等了两个星期还没到",
            "这个月被重复扣费了，请马上退款。",
            "包装破损，里面的东西坏了一半。",
            "客服一直不回复，太失望了，以后不再使用了。",
            "价格又涨了，准备换别家了。",
            "App 老是闪退，购物车的东西都没了？？",
            "质量越来越差，我要取消订阅。",
            "和图片差别太大，有点失望。",
            "退款申请提交一周了还没处理。",
            "优惠券总是用不了，结账时提示无效。",
        ],
        "passive": [
            "东西还可以，就是物流有点慢。",
            "整体不错，App 操作有点复杂。",
            "价格偏贵，不过质量还行。",
            "客服态度很好，但是处理时间有点长。",
            "希望多发点优惠券。",
        ],
        "promoter": [
            "客服很耐心，问题解决了，非常感谢！",
            "发货很快，包装也很仔细。",
            "质量很好，已经推荐给朋友了。",
            "App 很好用，下单很方便。",
            "性价比很高，每次都准时送达。",
        ],
    },
    "ja": {
        "detractor": [
            "配送が二週間も遅れました！！！連絡もありません。",
            "今月二重に請求されています。返金してください。",
            "箱が潰れていて、中身が半分壊れていました。",
            "サポートに何度問い合わせても返事がありません。解約を考えています。",
            "また値上げですか？他のサービスに乗り換えます。",
            "アプリが毎日ログアウトされて、カートが消えます。",
            "写真と全然違いました。がっかりです。",
            "品質が落ちたので解約します。",
            "返金がまだ届きません。",
            "ポイントがまだ付与されていません。",
        ],
        "passive": [
            "商品は良いですが、配送がもう少し早いと嬉しいです。",
            "全体的に満足ですが、アプリが少し使いにくいです。",
            "価格は少し高めですが、品質は普通です。",
            "サポートは丁寧でしたが、時間がかかりました。",
            "ポイントの有効期限をもう少し長くしてほしいです。",
        ],
        "promoter": [
            "サポートの方がとても親切で、すぐに解決しました。ありがとうございます！",
            "配送が早く、梱包も丁寧でした。",
            "品質が素晴らしく、友人にも勧めています。",
            "アプリが使いやすく、再注文が簡単です。",
            "コスパが良く、いつも時間通りに届きます。",
        ],
    },
}

FIRST_NAMES = {
    "en": ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Tim", "Radia", "Dennis", "Frances", "John"],
    "zh-hans": ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟"],
    "ja": ["翔太", "美咲", "大輔", "陽菜", "健", "さくら", "拓也", "結衣", "亮", "愛", "誠", "葵"],
}
LAST_NAMES = {
    "en": [
        "Lovelace",
        "Hopper",
        "Turing",
        "Torvalds",
        "Hamilton",
        "Thompson",
        "Liskov",
        "Berners-Lee",
        "Perlman",
        "Ritchie",
        "Allen",
        "Backus",
    ],
    "zh-hans": ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"],
    "ja": ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田"],
}
PLANS = ["starter", "pro", "business"]
REGIONS = ["EU", "NA", "APAC"]
PRODUCTS = ["Northwind Box", "Northwind App", "Northwind Plus"]
