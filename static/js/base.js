// Behaviour every staff page shares, here because the Content-Security-Policy allows no inline script
// or on* handler: a select marked data-submit-on-change submits its form (the language switch), and a
// progress bar takes its width from data-percent, also after htmx swaps a fresh one in.
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
  });

  function sizeProgressBars(root) {
    root.querySelectorAll(".progress-bar[data-percent]").forEach((bar) => {
      bar.style.width = `${Number(bar.dataset.percent)}%`; // CSSOM, which the policy allows (a style= would not be)
    });
  }
  sizeProgressBars(document);
  document.addEventListener("htmx:afterSettle", (event) => sizeProgressBars(event.target));
})();
