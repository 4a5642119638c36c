// The participant's vote and summary views, imported by vote.js when the vote or the summary
// phase first comes: the themes of each prompt with their dots, the participant's own dots and
// actions when allowed; then the summary the facilitator published.

// Their styles (static/results.css) and text come with them, not with the board's first load.
// The import resolves once both are here, so no view is drawn unstyled or without words
// (offline, the styles are left out; the text is tried three times, then its keys show).
const assets = JSON.parse(document.getElementById("assets").textContent);
const { addStrings } = await import(assets["i18n.js"]);
await Promise.all([
  new Promise((done) => document.head.append(Object.assign(document.createElement("link"),
    { rel: "stylesheet", href: assets["results.css"], onload: done, onerror: done }))),
  fetchStrings(`/strings/results.json?lang=${encodeURIComponent(document.documentElement.lang)}`),
]);

async function fetchStrings(url, tries = 3) {
  try {
    const response = await fetch(url);
    if (response.ok) return addStrings(await response.json());
  } catch { /* offline for now */ }
  if (tries > 1) {
    await new Promise((wait) => setTimeout(wait, 1000));
    await fetchStrings(url, tries - 1);
  }
}

/** Returns the function that draws the view from the vote state `s` (owned by vote.js). */
export function voteView({ s, live, t, plural, formatDate, el, showError, promptOf, spentOn, outbox, schedule, noteOf }) {
  let focusNext = null; // the control to focus once the one pressed is gone (a removed action)

  function render() {
    const casts = outbox("vote.cast");
    const retracts = outbox("vote.retract");
    const sections = s.prompts.map((prompt) => {
      // Another group's theme shows only while results are shared (its dots count all the same).
      const themes = [...s.themes.values()].filter((th) => th.prompt_id === prompt.id
        && (th.group_id == null || th.group_id === s.groupId || s.shared));
      const spent = spentOn(prompt.id)
        + casts.filter((e) => promptOf(e.theme_id) === prompt.id).length
        - retracts.filter((e) => promptOf(e.theme_id) === prompt.id).length;
      const left = Math.max(0, s.dots - spent);
      const list = el("ul", { class: "vote-themes" }, ...themes.map((th) => themeItem(th, left, casts, retracts)));
      return el("section", { class: "prompt vote-prompt", "aria-labelledby": `vp${prompt.id}` },
        el("h3", { id: `vp${prompt.id}`, lang: s.language || null }, prompt.text),
        el("p", { class: "dots-left", "data-prompt-id": prompt.id }, t("dots_left", { left, total: s.dots })),
        themes.length ? list : el("p", { class: "muted" }, t("no_themes")));
    });
    const box = document.getElementById("vote-prompts");
    const active = box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const values = new Map([...box.querySelectorAll("input[data-key]")].map((i) => [i.dataset.key, i.value]));
    const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    box.replaceChildren(...sections);
    for (const node of box.querySelectorAll("[data-key]")) {
      if (values.has(node.dataset.key)) node.value = values.get(node.dataset.key);
      if (open.has(node.dataset.key)) node.open = true;
    }
    const found = active && box.querySelector(`[data-key="${active}"]`);
    const target = found || (active && box.querySelector(`[data-key="${focusNext}"]`));
    if (target && !found) focusNext = null; // used once, by the render that removed the button
    target?.focus();
  }

  function themeItem(th, left, casts, retracts) {
    const id = `vt${th.id}`;
    const mine = (s.mine.get(th.id) || 0) + casts.filter((e) => e.theme_id === th.id).length
      - retracts.filter((e) => e.theme_id === th.id).length;
    const add = el("button", { type: "button", class: "dot-button", "data-key": `add-${th.id}`, "aria-describedby": id,
      "aria-disabled": left <= 0 ? "true" : null,
      onclick: () => (left > 0 ? live().send("vote.cast", { theme_id: th.id }) && schedule() : showError(t("err.no_dots_left"))) }, t("add_dot"));
    const remove = el("button", { type: "button", class: "dot-button secondary", "data-key": `remove-${th.id}`, "aria-describedby": id,
      "aria-disabled": mine <= 0 ? "true" : null,
      onclick: () => { if (mine > 0) { live().send("vote.retract", { theme_id: th.id }); schedule(); } } }, t("remove_dot"));
    const item = el("li", { class: "vote-theme", "data-theme-id": th.id },
      el("h4", { id, lang: s.language || null }, th.label),
      th.keywords?.length ? el("p", { class: "muted", lang: s.language || null }, th.keywords.join(", ")) : null,
      themeNotes(th),
      el("p", { class: "note-meta" }, el("strong", { class: "my-dots" }, t("your_dots", { n: mine }))),
      el("div", { class: "dot-buttons" }, add, remove));
    const actions = [...s.actions.values()].filter((a) => a.theme_id === th.id);
    if (actions.length) {
      item.append(el("ul", { class: "action-list", "aria-label": t("actions") }, ...actions.map(actionItem)));
    }
    if (s.actionsAllowed) item.append(actionForm(th));
    return item;
  }

  /** The theme's notes to read before voting, behind its note count: those the participant's
   *  board has (their group's; every group's while results are shared), and how many others. */
  function themeNotes(th) {
    const notes = th.note_ids.map(noteOf).filter(Boolean);
    const others = th.note_ids.length - notes.length;
    const key = `vn${th.id}`;
    return el("details", { class: "theme-notes", "data-key": key },
      el("summary", { "data-key": `${key}-summary` }, plural("theme_notes", th.note_ids.length)),
      notes.length ? el("ul", {}, ...notes.map((note) => el("li", { lang: note.lang || s.language || null }, note.text))) : null,
      others ? el("p", { class: "muted" }, plural("other_groups_notes", others)) : null);
  }

  function actionItem(a) {
    const id = `va-item-${a.id}`;
    // What and who are written in the workshop's language; "by <date>" is the page's.
    const written = el("span", { lang: s.language || null }, a.what + (a.owner ? ` – ${a.owner}` : ""));
    const remove = a.participant_id === s.me
      ? el("button", { type: "button", class: "small secondary", "data-key": `${id}-remove`, "aria-describedby": id,
        onclick: () => { focusNext = `va${a.theme_id}-summary`; live().send("action.delete", { action_id: a.id }); } }, t("remove"))
      : null;
    return el("li", {}, el("span", { id }, written, a.due ? ` (${t("by_date", { date: formatDate(a.due) })})` : null), remove ? " " : null, remove);
  }

  function actionForm(th) {
    const base = `va${th.id}`;
    const field = (name, props = {}) => el("input", { id: `${base}-${name}`, "data-key": `${base}-${name}`, ...props });
    const what = field("what", { maxLength: 300, required: true, "aria-describedby": `${base}-error` });
    const error = el("p", { id: `${base}-error`, class: "field-error", hidden: true });
    const owner = field("owner", { maxLength: 120 });
    const due = field("due", { type: "date" });
    const form = el("form", { class: "action-form", novalidate: true },
      el("label", { for: what.id }, t("what")), what, error, el("label", { for: owner.id }, t("owner")), owner,
      el("label", { for: due.id }, t("due")), due, el("button", { type: "submit", "data-key": `${base}-add` }, t("add_action")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const missing = !what.value.trim();
      error.textContent = missing ? t("err.empty") : "";
      error.hidden = !missing;
      what.setAttribute("aria-invalid", String(missing));
      what.focus();
      if (missing) return;
      live().send("action.add", { theme_id: th.id, what: what.value.trim(),
        ...(owner.value.trim() ? { owner: owner.value.trim() } : {}), ...(due.value ? { due: due.value } : {}) });
      what.value = owner.value = due.value = "";
    });
    return el("details", { class: "add-action", "data-key": `${base}-open` },
      el("summary", { "data-key": `${base}-summary` }, t("add_action")), form);
  }

  return render;
}

/** Fetch the published summary and show it, unless a newer fetch (fetchId) came meanwhile. */
export async function showSummary({ s, fetchId, announce, workshopId, token, say, t, schedule }) {
  let html = null;
  try {
    const response = await fetch(`/api/workshops/${encodeURIComponent(workshopId)}/summary?format=html`,
      { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (response.ok) html = await response.text();
  } catch { /* offline: the next change or reconnect fetches it again */ }
  if (fetchId !== s.fetches) return; // a newer fetch or an unpublish came in between
  s.summaryLoading = false;
  schedule();
  if (html === null) return;
  // Trusted HTML: the server renders this fragment with Jinja's autoescaping, so participants'
  // text in it is already escaped. DOMParser keeps any script in it inert.
  const doc = new DOMParser().parseFromString(html, "text/html");
  document.getElementById("summary-body").replaceChildren(...doc.body.childNodes);
  const first = !s.summaryShown;
  document.getElementById("summary-view").hidden = false;
  s.summaryShown = true;
  if (first && announce) say(t("summary_ready"));
}
