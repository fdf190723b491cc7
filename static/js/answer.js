// The answer page: when the customer picks a score, ask the follow-up question of its segment,
// and (on an emailed link) save the score at once, so it is kept even if the comment never comes.
(function () {
  "use strict";
  const scores = document.querySelector(".scores");
  const label = document.getElementById("follow-up");
  if (!scores || !label) return;
  const form = scores.closest("form");
  const status = document.getElementById("score-status");
  const detractorMax = Number(scores.dataset.detractorMax), passiveMax = Number(scores.dataset.passiveMax);
  scores.addEventListener("change", (event) => {
    const score = Number(event.target.value);
    if (detractorMax >= 0) {
      const segment = score <= detractorMax ? "detractor" : score <= passiveMax ? "passive" : "promoter";
      label.textContent = label.dataset[segment];
    }
    if (form.dataset.saveScore) saveScore();
  });

  function saveScore() {
    const data = new FormData(form);
    data.set("step", "score");
    status.textContent = status.dataset.saving;
    fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" },
    }).then((response) => {
      status.textContent = response.ok ? status.dataset.saved : status.dataset.failed;
    }).catch(() => { status.textContent = status.dataset.failed; });
  }
})();
