// The answer page: when the customer picks a score, ask the follow-up question of its segment,
// and (on an emailed link) save the score at once, so it is kept even if the comment never comes.
// The score the email's link carried (?score=N) is saved on the first sign of a person: an input, a scroll,
// a pointer, touch or key, or two seconds with the page on screen. A GET alone never records (mail scanners
// open every link), and a browser that opens the link and closes it at once sends nothing.
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
  if (form.dataset.saveScore && form.dataset.carriedScore) saveCarriedScoreWhenSomeoneIsHere();

  function saveCarriedScoreWhenSomeoneIsHere() {
    const signs = ["input", "scroll", "pointerdown", "touchstart", "keydown", "wheel"];
    const dwellMs = 2000;
    let timer = null, done = false;
    const once = (event) => {
      if (done) return;
      done = true;
      signs.forEach((name) => window.removeEventListener(name, once, true));
      document.removeEventListener("visibilitychange", dwell);
      clearTimeout(timer);
      // A tap on another score saves that one (the change handler): saving the carried one too could land last.
      const onScores = event && event.target instanceof Node && scores.contains(event.target);
      if (!onScores) saveScore();
    };
    // A dwell counts only while the page is visible: a tab opened in the background has no reader yet.
    function dwell() {
      clearTimeout(timer);
      if (document.visibilityState === "visible") timer = setTimeout(once, dwellMs);
    }
    signs.forEach((name) => window.addEventListener(name, once, { capture: true, passive: true }));
    document.addEventListener("visibilitychange", dwell);
    dwell();
  }

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
