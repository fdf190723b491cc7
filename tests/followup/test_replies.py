"""Only the new text of a reply, from the quote headers real mail clients write in English, Chinese and Japanese."""

import pytest

from followup.replies import split_reply

QUOTE_EN = "> We are sorry your order arrived late.\n> Northwind Care"
QUOTE_ZH = "> 很抱歉您的订单延误了。\n> Northwind Care"
QUOTE_JA = "> ご注文の遅延、誠に申し訳ございません。\n> Northwind Care"

REPLIES = {
    "gmail en": (
        "The parcel is still not here.",
        f"On Tue, Dec 1, 2026 at 10:00 AM Northwind Care <care@example.com> wrote:\n{QUOTE_EN}",
    ),
    "outlook en": (
        "The parcel is still not here.\n\nAda",
        "________________________________\nFrom: Northwind Care <care@example.com>\n"
        "Sent: Tuesday, December 1, 2026 10:00 AM\nTo: ada@example.com\nSubject: We are sorry\n\n"
        "We are sorry your order arrived late.",
    ),
    "apple mail en": (
        "The parcel is still not here.\n\nSent from my iPhone",
        f"> On 1 Dec 2026, at 10:00, Northwind Care <care@example.com> wrote:\n> \n{QUOTE_EN}",
    ),
    "thunderbird en": (
        "The parcel is still not here.",
        f"On 12/1/26 10:00 AM, Northwind Care wrote:\n{QUOTE_EN}",
    ),
    "gmail zh": ("包裹还是没有到。", f"Northwind Care <care@example.com> 于2026年12月1日周二 10:00写道：\n{QUOTE_ZH}"),
    "163 zh": ("包裹还是没有到。", f'在 2026-12-01 10:00:00，"Northwind Care" <care@example.com> 写道：\n{QUOTE_ZH}'),
    "qq mail zh": (
        "包裹还是没有到。",
        "------------------\xa0原始邮件\xa0------------------\n"
        '发件人: "Northwind Care"<care@example.com>;\n发送时间: 2026年12月1日(星期二) 上午10:00\n'
        '收件人: "李雷"<lilei@qq.com>;\n主题: 很抱歉\n\n很抱歉您的订单延误了。',
    ),
    "foxmail zh": (
        "包裹还是没有到。",
        "发件人：Northwind Care\n发送时间：2026-12-01 10:00\n收件人：lilei@foxmail.com\n主题：很抱歉\n\n"
        "很抱歉您的订单延误了。",
    ),
    "outlook zh": (
        "包裹还是没有到。",
        "________________________________\n发件人: Northwind Care <care@example.com>\n"
        "发送时间: 2026年12月1日 10:00\n收件人: lilei@example.com\n主题: 很抱歉\n\n很抱歉您的订单延误了。",
    ),
    "brief zh": ("包裹还是没有到。", f"在 2026年12月1日 10:00，Northwind Care <care@example.com> 写道：\n{QUOTE_ZH}"),
    "gmail ja": ("荷物がまだ届きません。", f"2026年12月1日(火) 10:00 Northwind Care <care@example.com>:\n{QUOTE_JA}"),
    "gmail ja wrote": ("荷物がまだ届きません。", f"2026年12月1日(火) 10:00 山田 <x@y.jp> wrote:\n{QUOTE_JA}"),
    "outlook ja": (
        "荷物がまだ届きません。",
        "________________________________\n差出人: Northwind Care <care@example.com>\n"
        "送信日時: 2026年12月1日 10:00\n宛先: yamada@example.jp\n件名: 申し訳ございません\n\n"
        "ご注文の遅延、誠に申し訳ございません。",
    ),
    "thunderbird ja": ("荷物がまだ届きません。", f"Northwind Care さんは書きました:\n{QUOTE_JA}"),
    "thunderbird ja dated": ("荷物がまだ届きません。", f"2026/12/01 10:00 Northwind Care wrote:\n{QUOTE_JA}"),
    "apple mail ja": (
        "荷物がまだ届きません。",
        f"2026/12/01 10:00、Northwind Care <care@example.com>のメール:\n\n{QUOTE_JA}",
    ),
    "becky ja": (
        "荷物がまだ届きません。",
        f"2026年12月1日 10:00 Northwind Care <care@example.com>のメッセージ:\n{QUOTE_JA}",
    ),
}


@pytest.mark.parametrize("client", REPLIES)
def test_it_keeps_only_the_new_text(client):
    new_text, quote = REPLIES[client]
    split = split_reply(f"{new_text}\n\n{quote}\n")
    assert split.new_text == new_text
    assert split.quoted and split.quoted.splitlines()[-1].lstrip("> ").strip() in quote


def test_a_reply_without_a_quote_is_kept_whole():
    assert split_reply("Thanks!\r\nIt works now.\r\n").new_text == "Thanks!\nIt works now."
    assert split_reply("Thanks!").quoted == ""


def test_a_bare_block_of_quoted_lines_is_folded():
    split = split_reply("Still broken.\n\n> We are sorry\n> Northwind Care")
    assert (split.new_text, split.quoted) == ("Still broken.", "> We are sorry\n> Northwind Care")


def test_a_reply_that_is_all_quote_is_shown_rather_than_lost():
    assert split_reply("> We are sorry").new_text == "> We are sorry"


def test_customer_words_that_look_like_a_date_stay():
    text = "Order 2026年12月1日 was late.\nThe courier said: tomorrow."
    assert split_reply(text).new_text == text
