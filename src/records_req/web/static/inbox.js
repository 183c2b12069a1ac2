// records-req inbox: files dropped on the reply-files form join its file input; each is listed with
// its size, and one that is not a message file or that makes the whole too large is said before
// anything is sent. Without this script the file input works alone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-drop]");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const list = form.querySelector(".drop-list");
  const limit = Number(form.dataset.limit);
  const accepted = (input.getAttribute("accept") || "").split(",");
  form.querySelector(".drop-hint").hidden = false;
  const show = () => {
    list.textContent = "";
    let total = 0;
    let bad = false;
    for (const file of input.files) {
      total += file.size;
      const item = document.createElement("li");
      const known = accepted.some((ext) => file.name.toLowerCase().endsWith(ext));
      let said = `${file.name} (${Math.ceil(file.size / 1024)} kB)`;
      if (!known) said += `: ${form.dataset.notTaken}`;
      if (total > limit) { said += `: ${form.dataset.tooLarge}`; bad = true; }
      item.textContent = said;
      list.append(item);
    }
    form.querySelector("button[type=submit]").disabled = bad;
  };
  input.addEventListener("change", show);
  for (const name of ["dragenter", "dragover"]) {
    form.addEventListener(name, (event) => { event.preventDefault(); form.classList.add("dragging"); });
  }
  form.addEventListener("dragleave", () => form.classList.remove("dragging"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("dragging");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    const files = new DataTransfer();
    for (const file of input.files) files.items.add(file);
    for (const file of event.dataTransfer.files) files.items.add(file);
    input.files = files.files;
    show();
  });
});
