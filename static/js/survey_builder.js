// The survey builder: opening a language's tab previews the survey in that language.
document.addEventListener("shown.bs.tab", (event) => {
  const language = event.target.dataset.previewLanguage;
  const select = document.getElementById("preview-language");
  if (!language || !select) return;
  select.value = language;
  select.dispatchEvent(new Event("change", { bubbles: true }));
});
