// records-req dashboard: small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The new-request form: show the state's law, clock, residency rule and 287(g) stance as it is picked.
  const select = document.querySelector("[data-state-info]");
  if (select) {
    const box = document.getElementById(select.dataset.stateInfo);
    const show = async () => {
      box.textContent = "";
      if (!select.value) return;
      const response = await fetch(`/states/${encodeURIComponent(select.value)}.json`);
      if (!response.ok) return;
      const j = await response.json();
      for (const [label, text] of [["Law", `${j.law} (${j.citation})`], ["Clock", j.clock], ["Who may ask", j.residency], ["287(g)", `${j.stance}${j.immigration ? ": " + j.immigration : ""}`]]) {
        const line = document.createElement("p");
        const strong = document.createElement("strong");
        strong.textContent = `${label}: `;
        line.append(strong, document.createTextNode(text));
        box.append(line);
      }
    };
    select.addEventListener("change", show);
    show();
  }
  // A running campaign: follow its progress.
  const progress = document.getElementById("progress");
  if (progress) {
    const bar = progress.querySelector("progress");
    const done = progress.querySelector(".done");
    const tick = async () => {
      const response = await fetch(progress.dataset.progressUrl);
      if (!response.ok) return;
      const state = await response.json();
      bar.value = state.done;
      done.textContent = state.done;
      if (state.finished) { window.location.reload(); return; }
      window.setTimeout(tick, 700);
    };
    if (!progress.dataset.finished) window.setTimeout(tick, 500);
  }
});
