// records-req dashboard: small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The new-request form: show the state's law, clock, residency rule and 287(g) stance as it is picked.
  const select = document.querySelector("[data-state-info]");
  if (select) {
    const box = document.getElementById(select.dataset.stateInfo);
    let asked = 0;  // only the answer for the state chosen last is shown
    const show = async () => {
      const mine = ++asked;
      box.textContent = "";
      if (!select.value) return;
      const response = await fetch(`/states/${encodeURIComponent(select.value)}.json`);
      if (!response.ok || mine !== asked) return;
      const j = await response.json();
      if (mine !== asked) return;
      const words = box.dataset;  // the labels, in the page's language
      const lines = [
        [words.law || "Law", `${j.law} (${j.citation})`],
        [words.clock || "Deadline", j.clock],
        [words.residency || "Who may ask", j.residency],
        ["287(g)", `${j.stance}${j.immigration ? ": " + j.immigration : ""}`],
      ];
      for (const [label, text] of lines) {
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
  // The agency: the directory's names in the chosen state as suggestions, and what ICE's lists
  // show for the one typed (its agreements), fetched from /agencies/search.json.
  const agency = document.querySelector("[data-agency-search]");
  if (agency && select) {
    const list = document.getElementById(agency.getAttribute("list"));
    const info = document.getElementById(agency.dataset.agencySearch);
    let typed = 0;
    const suggest = async () => {
      const mine = ++typed;
      const q = agency.value.trim();
      if (!select.value || q.length < 2) { list.textContent = ""; info.textContent = ""; return; }
      const url = `/agencies/search.json?state=${encodeURIComponent(select.value)}&q=${encodeURIComponent(q)}`;
      const response = await fetch(url);
      if (!response.ok || mine !== typed) return;
      const found = await response.json();
      if (mine !== typed) return;
      list.textContent = "";
      for (const a of found) {
        const option = document.createElement("option");
        option.value = a.name;
        list.append(option);
      }
      info.textContent = "";
      const exact = found.find((a) => a.name.toLowerCase() === q.toLowerCase());
      if (!exact) return;
      const words = info.dataset;
      const line = document.createElement("p");
      line.textContent = exact.agreements.length
        ? exact.agreements.map((g) => (g.pending ? `${g.model}: ${words.pending} ${g.pending_since || ""}` : `${g.model}: ${words.signed} ${g.signed || ""}`).trim()).join("; ")
        : words.none;
      info.append(line);
    };
    agency.addEventListener("input", suggest);
    select.addEventListener("change", suggest);
  }
  // A table wider than the screen scrolls sideways: then it takes the keyboard focus (and the
  // arrow keys scroll it), named after its section's heading, so no column is out of reach.
  const scrollers = document.querySelectorAll(".scroll");
  const reachable = () => {
    for (const box of scrollers) {
      if (box.scrollWidth > box.clientWidth) {
        const heading = (box.closest("section") || document).querySelector("h2, h1");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        if (heading) box.setAttribute("aria-label", heading.textContent.trim());
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  };
  if (scrollers.length) {
    reachable();
    window.addEventListener("resize", reachable);
  }
  // What the page was asked to show (the letter's preview) is brought into view, and takes the
  // focus so that a screen reader reads it, instead of waiting below the fold.
  const shown = document.querySelector("[data-into-view]");
  if (shown) {
    shown.scrollIntoView({ block: "start" });
    shown.focus({ preventScroll: true });
  }
  // A running job (a campaign's letters written or sent): follow its progress without reloading,
  // then reload once it is over to show its result. Without this script, the page refreshes itself
  // (a meta refresh inside <noscript>).
  const progress = document.getElementById("progress");
  if (progress && progress.dataset.status === "running") {
    const bar = progress.querySelector("progress");
    const done = progress.querySelector(".done");
    const tick = async () => {
      let state = null;
      try {
        const response = await fetch(progress.dataset.progressUrl, { headers: { Accept: "application/json" } });
        if (response.ok) state = await response.json();
      } catch (error) {
        state = null;  // the server is restarting: try again
      }
      if (state) {
        bar.max = state.total || 1;
        bar.value = state.done;
        done.textContent = state.done;
        if (state.status !== "running") { window.location.reload(); return; }
      }
      window.setTimeout(tick, 1000);
    };
    window.setTimeout(tick, 700);
  }
});
