// The answer page's comment counter: "123 / 5000", and a warning once the comment is over the limit
// (the server refuses a longer one with a message and keeps the text; nothing is ever cut here).
(function () {
  "use strict";
  const comment = document.getElementById("id_comment");
  const counter = document.getElementById("comment-count");
  if (!comment || !counter || !comment.dataset.maxLength) return;
  const limit = Number(comment.dataset.maxLength);
  const number = counter.querySelector(".comment-count-number");

  function update() {
    const length = [...comment.value].length; // characters, as the server counts them, not UTF-16 units
    const over = length > limit;
    number.textContent = over ? `${length} / ${limit} · ${counter.dataset.over}` : `${length} / ${limit}`;
    counter.classList.toggle("text-danger", over);
    comment.classList.toggle("is-invalid", over);
  }
  comment.addEventListener("input", update);
  update();
})();
