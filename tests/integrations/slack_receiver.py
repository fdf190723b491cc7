"""A Slack incoming webhook on loopback: it checks each message's shape as Slack's Block Kit reference describes it
(and a few of Slack's limits), answers as Slack does ("ok", or a status and an error word a test scripts) and keeps
what it received."""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BLOCK_TYPES = {"header", "section", "actions", "context", "divider"}
TEXT_TYPES = {"plain_text", "mrkdwn"}
#: What may follow "&" in mrkdwn: one of Slack's three escapes.
ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
#: The only < > a message of ours may hold unescaped: a link we made and a quote's marker at a line's start (a
#: customer's `<!channel>` must arrive as &lt;!channel&gt;, shown and never a ping).
LINK = re.compile(r"<https?://[^<>|\s]+(\|[^<>]*)?>")
QUOTE_MARKER = re.compile(r"(?m)^> ")


def text_problems(where: str, text, *, allowed=TEXT_TYPES, limit: int = 3000) -> list[str]:
    if not isinstance(text, dict) or text.get("type") not in allowed:
        return [f"{where}: a text object of type {sorted(allowed)}, got {text!r}"]
    value = text.get("text")
    if not isinstance(value, str) or not value.strip():
        return [f"{where}: empty text"]
    problems = [f"{where}: {len(value)} characters, more than {limit}"] if len(value) > limit else []
    if text["type"] == "mrkdwn":
        if ENTITY.search(value):
            problems.append(f"{where}: an unescaped & in {value!r}")
        if set("<>") & set(QUOTE_MARKER.sub("", LINK.sub("", value))):
            problems.append(f"{where}: an unescaped < or > in {value!r}")
    return problems


def block_problems(index: int, block) -> list[str]:
    where = f"blocks[{index}]"
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in BLOCK_TYPES:
        return [f"{where}: no valid type ({kind!r})"]
    if kind == "header":
        return text_problems(f"{where}.text", block.get("text"), allowed={"plain_text"}, limit=150)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            return [f"{where}: a section needs text or fields"]
        problems = text_problems(f"{where}.text", block["text"]) if "text" in block else []
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > 10:
            problems.append(f"{where}.fields: a list of at most 10")
        for number, item in enumerate(fields):
            problems += text_problems(f"{where}.fields[{number}]", item, limit=2000)
        return problems
    if kind == "actions":
        problems = []
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            return [f"{where}.elements: a list of 1 to 25"]
        for number, element in enumerate(elements):
            if element.get("type") != "button":
                problems.append(f"{where}.elements[{number}]: not a button")
                continue
            problems += text_problems(
                f"{where}.elements[{number}].text", element.get("text"), allowed={"plain_text"}, limit=75
            )
            url = element.get("url", "")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 3000:
                problems.append(f"{where}.elements[{number}].url: {url!r}")
        return problems
    if kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            return [f"{where}.elements: a list of 1 to 10"]
        return [p for number, item in enumerate(elements) for p in text_problems(f"{where}.elements[{number}]", item)]
    return []


def message_problems(body) -> list[str]:
    """What Slack would refuse (or show wrong) in a message: [] when it is well formed."""
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    problems = []
    if not isinstance(body.get("text"), str) or not body["text"].strip():
        problems.append("no plain `text` fallback")
    blocks = body.get("blocks")
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return [*problems, "blocks: a list of 1 to 50"]
    for index, block in enumerate(blocks):
        problems += block_problems(index, block)
    return problems


def texts(body) -> list[str]:
    """Every text of a message, in order: the fallback, then each text object and button URL."""
    found = [body.get("text", "")]

    def walk(value):
        if isinstance(value, dict):
            if value.get("type") in TEXT_TYPES:
                found.append(value["text"])
            if "url" in value:
                found.append(value["url"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body.get("blocks", []))
    return found


@dataclass
class SlackReceiver:
    url: str
    #: Answers to give, in order, as (status, body); once used up, (200, "ok").
    script: list[tuple[int, str]] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    #: Messages refused for their shape, with what was wrong.
    malformed: list[list[str]] = field(default_factory=list)

    def of_kind(self, word: str) -> list[dict]:
        """The messages whose header says `word`."""
        return [body for body in self.received if word in body["blocks"][0]["text"]["text"]]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        receiver = self.server.receiver  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problems = message_problems(body) if self.headers.get("Content-Type") == "application/json" else ["no JSON"]
        if problems:
            receiver.malformed.append(problems)
            status, words = 400, "invalid_blocks"
        else:
            receiver.received.append(body)
            status, words = receiver.script.pop(0) if receiver.script else (200, "ok")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(words.encode())

    def log_message(self, *args):
        pass


def serve():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = httpd.server_address[1]
    receiver = SlackReceiver(url=f"http://127.0.0.1:{port}/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXabcd")
    httpd.receiver = receiver  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, receiver
