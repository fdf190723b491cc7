// The in-app survey widget. A customer's site includes:
//   <script src="https://FEEDBACK-HOST/static/js/widget.js" data-survey="SLUG" data-lang="ja" async></script>
// It draws a small card (in a shadow root, so the site's styles and ours never mix), saves the score
// the moment it is tapped, then takes an optional comment. Every text goes in as textContent, never HTML.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.dataset.survey) return;
  const base = new URL(script.src).origin;
  const endpoint = `${base}/s/widget/${encodeURIComponent(script.dataset.survey)}/`;
  const lang = script.dataset.lang ? `?lang=${encodeURIComponent(script.dataset.lang)}` : "";

  const post = (body) =>
    fetch(endpoint + lang, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "omit",
    }).then((response) => response.json().then((data) => ({ ok: response.ok, data })));

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function segmentOf(config, score) {
    if (config.detractor_max < 0) return "passive";
    return score <= config.detractor_max ? "detractor" : score <= config.passive_max ? "passive" : "promoter";
  }

  function draw(config) {
    const host = element("div", { id: "feedback-widget" });
    const root = host.attachShadow({ mode: "open" });
    // A constructed stylesheet, not a <style> element: a site whose Content-Security-Policy refuses inline
    // styles (ours does) still shows the card. The brand colour is a custom property set through the CSSOM.
    host.style.setProperty("--brand", config.brand_color);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`
      .card { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; max-width: 360px; width: calc(100% - 32px);
        background: #fff; color: #212529; border-radius: 10px; box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 16px;
        font: 15px/1.4 -apple-system, "Segoe UI", "Hiragino Sans", "Microsoft YaHei", Arial, sans-serif; }
      .question { font-weight: 600; margin: 0 28px 10px 0; }
      .scores { display: flex; flex-wrap: wrap; gap: 4px; }
      .scores button { flex: 1 0 26px; min-height: 36px; border: 2px solid var(--brand); background: #fff;
        border-radius: 6px; font: inherit; cursor: pointer; }
      .scores button[aria-pressed="true"] { background: var(--brand); color: #fff; }
      .ends { display: flex; justify-content: space-between; font-size: 12px; color: #6c757d; margin-top: 4px; }
      textarea { width: 100%; box-sizing: border-box; margin-top: 8px; font: inherit; }
      .send { margin-top: 8px; width: 100%; min-height: 40px; border: 0; border-radius: 6px; background: #212529;
        color: #fff; font: inherit; cursor: pointer; }
      .close { position: absolute; top: 8px; right: 8px; border: 0; background: none; font-size: 20px; cursor: pointer; }
      .status { font-size: 13px; color: #1e7e34; min-height: 1em; margin: 6px 0 0; }
      .honeypot { position: absolute; left: -9999px; }`);
    root.adoptedStyleSheets = [sheet];
    const card = element("div", { class: "card", role: "dialog", "aria-label": config.question });
    const close = element("button", { class: "close", type: "button", "aria-label": config.labels.close }, "×");
    close.addEventListener("click", () => host.remove());
    const question = element("p", { class: "question" }, config.question);
    const scores = element("div", { class: "scores", role: "group", "aria-label": config.question });
    const ends = element("div", { class: "ends", "aria-hidden": "true" });
    ends.append(element("span", {}, config.low_label), element("span", {}, config.high_label));
    const status = element("p", { class: "status", role: "status", "aria-live": "polite" });
    const honeypot = element("input", { class: "honeypot", tabindex: "-1", autocomplete: "off", "aria-hidden": "true" });
    const followUp = element("label", { for: "fw-comment", hidden: "" });
    const comment = element("textarea", { id: "fw-comment", rows: "3", maxlength: "5000", hidden: "" });
    const send = element("button", { class: "send", type: "button", hidden: "" }, config.labels.send);
    let answerKey = null;

    config.scores.forEach((score) => {
      const button = element("button", { type: "button", "aria-pressed": "false" }, String(score));
      button.addEventListener("click", () => {
        scores.querySelectorAll("button").forEach((other) => other.setAttribute("aria-pressed", "false"));
        button.setAttribute("aria-pressed", "true");
        const body = { score, website: honeypot.value };
        if (answerKey) Object.assign(body, { answer: answerKey, comment: comment.value });
        post(body).then(({ ok, data }) => {
          if (!ok) { status.textContent = data.error || Object.values(data.errors || {}).flat().join(" "); return; }
          answerKey = data.answer || answerKey;
          status.textContent = config.labels.saved;
          followUp.textContent = config.follow_ups[segmentOf(config, score)];
          [followUp, comment, send].forEach((node) => node.removeAttribute("hidden"));
        });
      });
      scores.appendChild(button);
    });
    send.addEventListener("click", () => {
      const score = Number(scores.querySelector('[aria-pressed="true"]').textContent);
      post({ score, answer: answerKey, comment: comment.value }).then(({ ok, data }) => {
        if (!ok) { status.textContent = data.error || Object.values(data.errors || {}).flat().join(" "); return; }
        card.replaceChildren(close, element("p", { class: "question" }, data.thanks));
      });
    });
    card.append(close, question, scores, ends, status, honeypot, followUp, comment, send);
    root.appendChild(card);
    document.body.appendChild(host);
  }

  fetch(endpoint + lang, { credentials: "omit" })
    .then((response) => (response.ok ? response.json() : null))
    .then((config) => config && draw(config))
    .catch(() => {});
})();
