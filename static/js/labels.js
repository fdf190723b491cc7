// One-click label corrections (templates/reviews/fragment_labels.html), here because the Content-Security-Policy
// allows no inline script. A correction form is posted with fetch; the answer (the fresh labels, or the same
// with field errors on a 400) replaces the labels block, and the parts of the page marked
// data-refresh-on-correction (the case's priority and team) are read again from the page itself. Without
// script the forms post normally and the server sends the browser back.
(function () {
  "use strict";

  async function refreshMarked() {
    const marked = document.querySelectorAll("[data-refresh-on-correction][id]");
    if (!marked.length) return;
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    marked.forEach((element) => {
      const replacement = fresh.getElementById(element.id);
      if (replacement) element.replaceWith(replacement);
    });
  }

  async function send(form, submitter) {
    const block = form.closest("[data-labels]");
    const data = new FormData(form, submitter);
    block.setAttribute("aria-busy", "true");
    const response = await fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "labels" },
    });
    if (response.status !== 200 && response.status !== 400) {
      form.submit(); // anything else (a lost session, a 403): let the browser show it
      return;
    }
    const holder = document.createElement("div");
    holder.innerHTML = await response.text(); // the server's own escaped template
    const fresh = holder.querySelector("[data-labels]");
    block.replaceWith(fresh);
    if (response.status === 200) {
      await refreshMarked();
      fresh.dispatchEvent(new CustomEvent("labels:corrected", { bubbles: true }));
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-label-form]")) return;
    event.preventDefault();
    send(form, event.submitter);
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-label-select]") && event.target.value) event.target.form.requestSubmit();
  });
})();
