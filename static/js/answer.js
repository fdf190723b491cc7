// The answer page: when the customer picks a score, ask the follow-up question of its segment.
(function () {
  "use strict";
  const scores = document.querySelector(".scores");
  const label = document.getElementById("follow-up");
  if (!scores || !label) return;
  const detractorMax = Number(scores.dataset.detractorMax), passiveMax = Number(scores.dataset.passiveMax);
  scores.addEventListener("change", (event) => {
    const score = Number(event.target.value);
    if (detractorMax < 0) return;
    const segment = score <= detractorMax ? "detractor" : score <= passiveMax ? "passive" : "promoter";
    label.textContent = label.dataset[segment];
  });
})();
