// The queue: live SLA countdowns, the count in the tab title, and keyboard shortcuts.
(function () {
  "use strict";
  const AMBER_MS = 15 * 60 * 1000;
  let selected = 0;

  function rows() { return Array.from(document.querySelectorAll("#queue-rows tbody tr[data-case]")); }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("table-active", i === selected));
    all[selected].focus({ preventScroll: false });
  }

  function formatLeft(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000), hours = Math.floor(minutes / 60);
    const text = hours ? hours + "h " + (minutes % 60) + "m" : minutes + "m";
    return ms < 0 ? "−" + text : text;
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll(".sla[data-due]").forEach((el) => {
      const left = new Date(el.dataset.due).getTime() - now;
      el.textContent = formatLeft(left);
      el.classList.toggle("sla-overdue", left < 0);
      el.classList.toggle("sla-soon", left >= 0 && left < AMBER_MS);
    });
    const box = document.getElementById("queue-rows");
    if (box) document.title = document.title.replace(/^\(\d+\)/, "(" + box.dataset.count + ")");
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function claim(row) {
    fetch(row.dataset.claimUrl, { method: "POST", headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" } })
      .then((response) => response.text())
      .then((html) => { row.querySelector(".owner").innerHTML = html; });
  }

  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) && event.target.type !== "checkbox";
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const row = rows()[selected];
    if (event.key === "j") select(selected + 1);
    else if (event.key === "k") select(selected - 1);
    else if (event.key === "Enter" && row) window.location = row.dataset.url;
    else if (event.key === "a" && row) claim(row);
    else if (event.key === "/") { event.preventDefault(); document.getElementById("id_q").focus(); }
    else if (event.key === "?") bootstrap.Modal.getOrCreateInstance(document.getElementById("shortcuts")).show();
    else return;
    event.preventDefault();
  });

  document.body.addEventListener("htmx:afterSwap", () => { select(selected); tick(); });
  document.addEventListener("DOMContentLoaded", () => { select(0); tick(); setInterval(tick, 1000); });
})();
