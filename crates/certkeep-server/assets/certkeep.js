// Certkeep's small progressive enhancements. Every page works without this file: it only adds
// "select all" for bulk checkboxes and confirmations for forms marked data-confirm.
"use strict";

document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-select-all]");
  if (!all) return;
  const form = all.form;
  if (!form) return;
  for (const box of form.querySelectorAll("input[type=checkbox][name=id]")) {
    box.checked = all.checked;
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
