"""Split a customer's reply into what they just wrote and the thread they quoted.

mail-parser-reply finds the quote header of Western clients (Gmail, Outlook, Apple Mail, Thunderbird) and
of some CJK ones. Its Chinese and Japanese tables (1.36) miss what our customers' clients write, checked
against tests/followup/test_replies.py: Gmail's "…于2026年12月1日周二 10:00写道：", 163's and QQ's
"在 2026-12-01 10:00，…写道：", QQ's "---- 原始邮件 ----" line, Foxmail's full-width "发件人：", Japanese
Outlook's "差出人: / 送信日時:", Apple Mail's "…のメール:", "…のメッセージ:" and a Japanese date before
"wrote:". The library's header table is data (one entry per "language"), so those headers are added to it
as one more entry rather than parsed by a second, hand-written splitter.
"""

import html as html_module
from dataclasses import dataclass

from django.utils.html import strip_tags
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

#: Quote headers of Chinese and Japanese mail clients that the library's own tables miss.
CJK_CLIENTS = "cjk-clients"
_COLON = "[:：]"
MAIL_LANGUAGES[CJK_CLIENTS] = {
    # One line naming a date (a digit) and ending in "wrote" (写道, のメッセージ, のメール, 書きました, wrote),
    # or Thunderbird's Japanese "… さんは書きました:" (no date).
    "wrote_header": (
        rf"^({QUOTED_MATCH_INCLUDE}(?:(?:在|于)?[^\n]{{0,160}}\d[^\n]{{0,160}}"
        rf"(?:写道|寫道|のメッセージ|のメール|書きました|wrote)|[^\n]{{1,160}}さんは書きました){_COLON})\s*$"
    ),
    # Two or more header lines of a forwarded-style quote (Outlook, Foxmail, QQ), either colon.
    "from_header": (
        rf"((?:(?:^|\n){QUOTED_MATCH_INCLUDE}[* ]*"
        rf"(?:发件人|發件人|发送时间|發送時間|收件人|主题|主旨|抄送|日期|时间|差出人|送信日時|宛先|件名|日付|送信者)"
        rf"[ *]*{_COLON}[^\n]*){{2,}})"
    ),
}
#: QQ Mail's and Japanese clients' separator line above the quoted message (a second entry: one regex each).
MAIL_LANGUAGES[CJK_CLIENTS + "-separator"] = {
    "wrote_header": r"^(-{2,}\s*(?:原始邮件|原始郵件|元のメッセージ|Original Message)\s*-{2,})\s*$",
}

_PARSER = EmailReplyParser(languages=["en", "zh", "ja", CJK_CLIENTS, CJK_CLIENTS + "-separator"])


@dataclass(frozen=True)
class SplitReply:
    new_text: str
    quoted: str


def split_reply(text: str) -> SplitReply:
    """The new text (never empty when the reply had any) and the quoted rest, kept for the timeline's fold."""
    normalized = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if not normalized:
        return SplitReply("", "")
    message = _PARSER.read(normalized)
    first = message.replies[0].content if message.replies else normalized
    new_text, _quote_block = _trailing_quote(first)
    if not new_text:  # the whole reply was a quote: better to show it all than nothing
        return SplitReply(normalized, "")
    start = message.text.find(new_text) + len(new_text)
    return SplitReply(new_text, message.text[start:].strip())


def _trailing_quote(text: str) -> tuple[str, str]:
    """A bottom block of "> " lines with no header above it (some clients send just that)."""
    lines = text.split("\n")
    cut = len(lines)
    while cut > 0 and (lines[cut - 1].startswith(">") or not lines[cut - 1].strip()):
        cut -= 1
    if cut == len(lines):
        return text, ""
    return "\n".join(lines[:cut]).strip(), "\n".join(lines[cut:]).strip()


def reply_text(message) -> str:
    """The text of an inbound message: its plain part, else its HTML part without tags."""
    if message.text:
        return message.text
    html = message.html or ""
    for tag in ("</p>", "<br>", "<br/>", "<br />", "</div>", "</blockquote>"):
        html = html.replace(tag, tag + "\n")
    return html_module.unescape(strip_tags(html))
