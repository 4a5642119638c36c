// The dashboard's review, vote and summary tools: themes from the analysis and a facilitator's
// edits of them (rename, merge, split, move notes by drag and drop or by keyboard, delete),
// dots, live vote totals, follow-up actions and publishing the summary.
// Everything shown is rebuilt from the server's events, so every facilitator screen (and a
// reload, which replays the log) shows the same. Loaded by dashboard.js.

const SHOWN_IN = new Set(["review", "vote", "summary"]);
const SORTED_IN = new Set(["vote", "summary"]);
const OWN_COMMANDS = new Set([
  "themes.run", "theme.rename", "theme.merge", "theme.split", "theme.delete", "note.move",
  "voting.set", "actions.allow", "action.add", "action.delete", "summary.publish",
]);

/**
 * Replace a container's children, keeping what the user typed or chose in inputs and selects
 * (by data-key) and which <details> were open. The focus is put back by the caller.
 */
function rebuild(container, children) {
  const values = new Map();
  for (const field of container.querySelectorAll("input[data-key]:not([type=checkbox]), select[data-key], textarea[data-key]")) {
    values.set(field.dataset.key, field.value);
  }
  const open = new Set([...container.querySelectorAll("details[open][data-key]")].map((d) => d.dataset.key));
  container.replaceChildren(...children);
  for (const field of container.querySelectorAll("[data-key]")) {
    const k = field.dataset.key;
    if (values.has(k) && [...(field.options || [{ value: values.get(k) }])].some((o) => o.value === values.get(k))) {
      field.value = values.get(k);
    }
    if (open.has(k)) field.open = true;
  }
}

export function createReview({ send, notes, t, plural, errorText, formatDate, el, confirmedTwice, written }) {
  const $ = (id) => document.getElementById(id);
  const s = {
    phase: null, prompts: new Map(), groups: new Map(), dots: 3, actionsAllowed: false, published: false,
    themes: new Map(), totals: new Map(), actions: new Map(),
  };
  const ui = {
    renaming: null, confirming: null, selected: new Map(), focus: null, dragging: null,
    running: new Set(), queued: false, signatures: new Map(),
  };

  // ---- state from events ----

  function upsertTheme(theme) {
    // A note belongs to one theme at most: the newest word about a note wins.
    const ids = new Set(theme.note_ids);
    for (const other of s.themes.values()) {
      if (other.id !== theme.id && other.note_ids.some((id) => ids.has(id))) {
        other.note_ids = other.note_ids.filter((id) => !ids.has(id));
      }
    }
    s.themes.set(theme.id, { ...theme, note_ids: [...theme.note_ids] });
  }

  function dropTheme(id, intoId = null) {
    s.themes.delete(id);
    s.totals.delete(id);
    ui.selected.delete(id);
    for (const action of [...s.actions.values()]) {
      if (action.theme_id !== id) continue;
      if (intoId) action.theme_id = intoId; // a merge: the actions went along
      else s.actions.delete(action.id);
    }
  }

  function welcome(msg, since) {
    const w = msg.workshop;
    if (since === 0) {
      s.themes.clear();
      s.actions.clear();
    }
    Object.assign(s, { phase: w.phase, dots: w.dots, actionsAllowed: w.participant_actions, published: w.summary_published });
    s.prompts = new Map(w.prompts.map((p) => [p.id, p.text]));
    s.groups = new Map(w.groups.map((g) => [g.id, g.name]));
    s.totals = new Map(Object.entries(msg.votes || {}).map(([id, n]) => [Number(id), n]));
    schedule();
  }

  function event(msg) {
    switch (msg.type) {
      case "phase.changed": s.phase = msg.phase; break;
      // Every theme a re-run deletes comes as its own theme.removed first.
      case "themes.replaced": msg.themes.forEach(upsertTheme); break;
      case "theme.updated": upsertTheme(msg.theme); break;
      case "theme.removed": dropTheme(msg.theme_id, msg.into_id); break;
      case "votes.changed": s.totals.set(msg.theme_id, msg.votes); break;
      case "voting.changed": s.dots = msg.dots; break;
      case "actions.allowed": s.actionsAllowed = msg.allowed; break;
      case "summary.changed": s.published = msg.published; break;
      case "action.added": s.actions.set(msg.action.id, { ...msg.action }); break;
      case "action.removed": s.actions.delete(msg.action_id); break;
      case "themes.progress": progress(msg); return;
      default: break; // notes: the unsorted lists and theme cards show their text
    }
    schedule();
  }

  function handles(entry) { return Boolean(entry && OWN_COMMANDS.has(entry.type)); }

  function ack(msg, entry) {
    showError("");
    if (entry?.type === "themes.run") finishRun(entry.cid, true);
    schedule();
  }

  function error(msg, entry) {
    if (entry?.type === "themes.run") finishRun(entry.cid, false);
    const message = errorText(msg.code, "err.command");
    if (entry?.type === "voting.set") {
      // Said at the field (the review panel can be pages below), which shows the dots in force.
      const input = $("dots-input");
      input.value = s.dots;
      invalid(input, message);
    } else showError(message);
    schedule(); // undo optimistic checkboxes
  }

  // ---- finding themes ----

  function runThemes(promptId) {
    if (ui.running.size) return;
    const count = $("themes-count");
    const k = count.value.trim();
    const fields = {};
    if (k) {
      const n = Number(k);
      if (!Number.isInteger(n) || n < 1 || n > 50) {
        invalid(count, t("err_count"));
        return;
      }
      fields.themes = n;
    }
    valid(count);
    if (promptId) fields.prompt_id = promptId;
    const group = $("themes-group").value;
    if (group) fields.group_id = Number(group);
    showError("");
    ui.running.add(send("themes.run", fields).cid);
    setBusy(t("finding"));
  }

  function progress(msg) {
    if (msg.stage === "clustering" && msg.prompt_id) {
      setBusy(t("finding_prompt", { n: msg.notes, prompt: s.prompts.get(msg.prompt_id) || "" }));
    }
  }

  function finishRun(cid, ok) {
    ui.running.delete(cid);
    if (!ui.running.size) setBusy(null, ok ? t("themes_ready") : "");
  }

  function setBusy(message, done = "") {
    const busy = Boolean(message);
    // Busy are the theme lists, not the review section: a busy region's status goes unread.
    for (const list of document.querySelectorAll(".theme-cards")) list.setAttribute("aria-busy", String(busy));
    $("themes-status").textContent = busy ? message : done;
    $("themes-status").classList.toggle("busy", busy);
    for (const button of document.querySelectorAll("[data-run-prompt], #themes-all")) {
      // aria-disabled, not disabled: the focused button keeps the focus.
      if (busy) button.setAttribute("aria-disabled", "true"); else button.removeAttribute("aria-disabled");
    }
  }

  function showError(message) {
    const box = $("review-error");
    box.textContent = message;
    box.hidden = !message;
  }

  /** A form's own mistake, shown next to its field (the themes can be pages long): the field
   *  is marked, described by the message and focused. */
  function invalid(input, message) {
    const id = `${input.id}-error`;
    let note = document.getElementById(id);
    if (!note) {
      note = el("p", { id, class: "form-error" });
      (input.closest(".row") || input).after(note);
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean)).add(id);
    input.setAttribute("aria-describedby", [...described].join(" ")); // a hint it had stays
    input.focus();
  }

  function valid(input) {
    document.getElementById(`${input.id}-error`)?.remove();
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }

  // ---- rendering ----

  function schedule() {
    if (ui.queued) return;
    ui.queued = true;
    requestAnimationFrame(() => { ui.queued = false; render(); });
  }

  function themesOf(promptId) {
    const list = [...s.themes.values()].filter((theme) => theme.prompt_id === promptId);
    if (SORTED_IN.has(s.phase)) {
      list.sort((a, b) => (s.totals.get(b.id) || 0) - (s.totals.get(a.id) || 0) || b.note_ids.length - a.note_ids.length);
    }
    return list;
  }

  function render() {
    if (ui.dragging) return; // rebuilt at dragend: a moved card would end the drag
    const shown = SHOWN_IN.has(s.phase);
    $("review").hidden = !shown;
    $("vote-panel").hidden = !shown;
    renderPanel();
    if (!shown) return;
    const inTheme = new Set();
    for (const theme of s.themes.values()) for (const id of theme.note_ids) inTheme.add(id);
    for (const section of document.querySelectorAll("[data-review-prompt]")) {
      renderPrompt(section, Number(section.dataset.reviewPrompt), inTheme);
    }
  }

  function renderPrompt(section, promptId, inTheme) {
    const themes = themesOf(promptId);
    const unsorted = [...notes.values()]
      .filter((n) => n.prompt_id === promptId && !n.hidden && !inTheme.has(n.id))
      .sort((a, b) => a.id - b.id);
    const signature = JSON.stringify([
      s.phase, themes, themes.map((th) => [s.totals.get(th.id), th.note_ids.map((id) => notes.get(id)?.text),
        [...s.actions.values()].filter((a) => a.theme_id === th.id), [...(ui.selected.get(th.id) || [])]]),
      unsorted.map((n) => [n.id, n.text]), ui.renaming, ui.confirming, ui.focus,
    ]);
    if (ui.signatures.get(promptId) === signature) return;
    ui.signatures.set(promptId, signature);
    const active = document.activeElement;
    const hadFocus = section.contains(active);
    const key = ui.focus || (hadFocus ? active.dataset.key : null);
    const list = section.querySelector("[data-themes-for]");
    const cards = themes.map((theme) => themeCard(theme, themes));
    if (!cards.length) cards.push(el("li", { class: "muted empty" }, t("no_themes")));
    rebuild(list, cards);
    const zone = section.querySelector(".unsorted");
    zone.querySelector(".count").textContent = `(${unsorted.length})`;
    const items = unsorted.map((note) => noteItem(note, null, themes));
    if (!items.length) items.push(el("li", { class: "muted empty" }, t("no_unsorted")));
    rebuild(zone.querySelector("ul"), items);
    // Put the focus back on the same control (a moved note's select follows the note), or on
    // the element an edit asked for; if it is gone, on the prompt's heading.
    const target = key && section.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (target) {
      target.focus();
      if (key === ui.focus) ui.focus = null;
    } else if (hadFocus && !section.contains(document.activeElement) && !ui.focus) {
      const heading = section.querySelector("h3");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  /** Focus this control once it appears (after the server's event), if it does soon. */
  function focusLater(key) {
    ui.focus = key;
    setTimeout(() => { if (ui.focus === key) ui.focus = null; }, 3000);
  }

  function themeCard(theme, themes) {
    const id = theme.id;
    const headingId = `theme-${id}-label`;
    const card = el("li", { class: "theme-card drop-zone", "data-theme-id": id, "aria-labelledby": headingId });
    dropZone(card, theme.prompt_id, id);
    const total = s.totals.get(id) || 0;
    const present = theme.note_ids.filter((noteId) => notes.has(noteId)); // a deleted note sends no theme.updated
    const meta = el("p", { class: "theme-meta" }, el("span", { class: "theme-size" }, plural("theme_notes", present.length)));
    if (SORTED_IN.has(s.phase) || total) meta.append(" · ", el("span", { class: "theme-votes" }, plural("theme_votes", total)));
    if (theme.group_id) meta.append(" · ", el("span", {}, t("group_theme", { group: s.groups.get(theme.group_id) || "" })));

    const renaming = ui.renaming === id;
    card.append(el("h4", { id: headingId, class: `theme-label${renaming ? " visually-hidden" : ""}`, tabIndex: -1, "data-key": `theme-${id}`, lang: written }, theme.label));
    if (renaming) card.append(renameForm(theme));
    card.append(meta);
    if (theme.keywords?.length) card.append(el("p", { class: "muted keywords" }, t("keywords", { words: theme.keywords.join(", ") })));

    const confirming = ui.confirming === id;
    const tools = el("div", { class: "theme-tools" },
      el("button", { type: "button", class: "small secondary", "data-key": `rename-btn-${id}`, "aria-describedby": headingId,
        onclick: () => { ui.renaming = id; focusLater(`rename-${id}`); render(); } }, t("rename")),
      el("button", { type: "button", class: `small ${confirming ? "danger" : "secondary"}`, "data-key": `delete-${id}`,
        "aria-describedby": headingId, onclick: () => deleteTheme(theme) }, confirming ? t("confirm_delete") : t("delete_theme")));
    const others = themes.filter((other) => other.id !== id);
    if (others.length) tools.append(choiceForm(`merge-${id}`, t("merge_into"), t("merge"), headingId,
      others.map((other) => [String(other.id), other.label]),
      (value) => { focusLater(`theme-${value}`); send("theme.merge", { theme_id: id, into_id: Number(value) }); }));
    card.append(tools);

    const list = el("ul", { class: "notes theme-notes" });
    for (const noteId of present) list.append(noteItem(notes.get(noteId), theme, themes));
    card.append(list);
    if (present.length > 1) card.append(splitForm(theme));
    card.append(actionsBlock(theme, headingId));
    return card;
  }

  function renameForm(theme) {
    const id = `rename-${theme.id}`;
    const input = el("input", { id, "data-key": id, value: theme.label, maxLength: 80, autocomplete: "off" });
    const close = () => { ui.renaming = null; focusLater(`rename-btn-${theme.id}`); render(); };
    input.addEventListener("keydown", (event) => { if (event.key === "Escape") { event.preventDefault(); close(); } });
    const form = el("form", { class: "rename-form", novalidate: true },
      el("label", { for: id }, t("theme_name")), input,
      el("div", { class: "row" }, el("button", { type: "submit", class: "small" }, t("save")),
        el("button", { type: "button", class: "small secondary", onclick: close }, t("cancel"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const label = input.value.trim();
      if (!label) { invalid(input, t("err_label")); return; }
      if (label !== theme.label) send("theme.rename", { theme_id: theme.id, label });
      input.value = label;
      close();
    });
    return form;
  }

  /** A labelled select with a button: the keyboard's (and anyone's) way to merge and move. */
  function choiceForm(key, label, buttonText, describedBy, options, done) {
    const select = el("select", { id: key, "data-key": key, class: "small-select", "aria-describedby": describedBy },
      ...options.map(([value, text]) => el("option", { value }, text)));
    const form = el("form", { class: "choice-form", novalidate: true },
      el("label", { for: key, class: "inline-label" }, label), select,
      el("button", { type: "submit", class: "small secondary", "data-key": `${key}-go`, "aria-describedby": describedBy }, buttonText));
    form.addEventListener("submit", (event) => { event.preventDefault(); done(select.value); });
    return form;
  }

  function noteItem(note, theme, themes) {
    const textId = `rv-note-${note.id}`;
    const item = el("li", { class: `note review-note${note.hidden ? " is-hidden" : ""}`, "data-note-id": note.id, draggable: "true" });
    item.addEventListener("dragstart", (event) => {
      ui.dragging = note;
      event.dataTransfer.setData("text/plain", String(note.id));
      event.dataTransfer.effectAllowed = "move";
      item.classList.add("dragging");
    });
    item.addEventListener("dragend", () => {
      ui.dragging = null;
      for (const zone of document.querySelectorAll(".drop-target")) zone.classList.remove("drop-target");
      schedule();
    });
    const selected = theme ? ui.selected.get(theme.id) : null;
    if (theme && theme.note_ids.length > 1) {
      const box = el("input", { type: "checkbox", id: `split-${note.id}`, "data-key": `split-${note.id}`, checked: Boolean(selected?.has(note.id)), "aria-describedby": textId });
      box.addEventListener("change", () => {
        if (!ui.selected.has(theme.id)) ui.selected.set(theme.id, new Set());
        const set = ui.selected.get(theme.id);
        if (box.checked) set.add(note.id); else set.delete(note.id);
      });
      item.append(el("label", { class: "choice split-choice", for: box.id }, box, el("span", { class: "visually-hidden" }, t("select_note"))));
    }
    item.append(el("p", { class: "note-text", id: textId, lang: note.lang || written }, note.text));
    const targets = themes.filter((other) => other.id !== theme?.id).map((other) => [String(other.id), other.label]);
    if (theme) targets.push(["", t("no_theme")]);
    if (targets.length) {
      item.append(choiceForm(`move-${note.id}`, t("move_to"), t("move"), textId, targets,
        (value) => moveNote(note, value ? Number(value) : null)));
    }
    return item;
  }

  function moveNote(note, themeId) {
    const current = [...s.themes.values()].find((theme) => theme.note_ids.includes(note.id));
    if ((current?.id ?? null) === themeId) return;
    focusLater(`move-${note.id}`); // follows the note to its new place
    send("note.move", { note_id: note.id, theme_id: themeId });
  }

  function splitForm(theme) {
    const key = `split-label-${theme.id}`;
    const input = el("input", { id: key, "data-key": key, maxLength: 80, autocomplete: "off", "aria-describedby": `${key}-hint` });
    const form = el("form", { class: "split-form", novalidate: true },
      el("label", { for: key }, t("split_label")),
      el("p", { class: "hint", id: `${key}-hint` }, t("split_hint")),
      el("div", { class: "row" }, input, el("button", { type: "submit", class: "small secondary", "data-key": `${key}-go` }, t("split"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = [...(ui.selected.get(theme.id) || [])].filter((id) => theme.note_ids.includes(id));
      const label = input.value.trim();
      if (!label || !chosen.length || chosen.length >= theme.note_ids.length) {
        invalid(input, t("err_split"));
        return;
      }
      ui.selected.delete(theme.id);
      input.value = "";
      send("theme.split", { theme_id: theme.id, note_ids: chosen, label });
    });
    return form;
  }

  function deleteTheme(theme) {
    if (confirmedTwice(ui, theme.id, render)) send("theme.delete", { theme_id: theme.id });
  }

  function actionsBlock(theme, headingId) {
    const block = el("div", { class: "theme-actions" });
    const actions = [...s.actions.values()].filter((a) => a.theme_id === theme.id);
    if (actions.length) {
      const list = el("ul", { class: "action-list", "aria-label": t("actions") });
      for (const action of actions) {
        const textId = `action-${action.id}-text`;
        list.append(el("li", {},
          el("span", { id: textId }, ...describeAction(action)), " ",
          el("button", { type: "button", class: "small secondary", "data-key": `action-del-${action.id}`, "aria-describedby": textId,
            onclick: () => { focusLater(`act-${theme.id}-summary`); send("action.delete", { action_id: action.id }); } }, t("remove"))));
      }
      block.append(el("h5", {}, t("actions")), list);
    }
    const base = `act-${theme.id}`;
    const what = el("input", { id: `${base}-what`, "data-key": `${base}-what`, maxLength: 300, required: true });
    const owner = el("input", { id: `${base}-owner`, "data-key": `${base}-owner`, maxLength: 120 });
    const due = el("input", { id: `${base}-due`, "data-key": `${base}-due`, type: "date" });
    const form = el("form", { class: "action-form", novalidate: true },
      el("label", { for: what.id }, t("what")), what,
      el("label", { for: owner.id }, t("owner")), owner,
      el("label", { for: due.id }, t("due")), due,
      el("button", { type: "submit", class: "small", "data-key": `${base}-add`, "aria-describedby": headingId }, t("add_action")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = what.value.trim();
      if (!text) { invalid(what, t("err_what")); return; }
      valid(what);
      const fields = { theme_id: theme.id, what: text };
      if (owner.value.trim()) fields.owner = owner.value.trim();
      if (due.value) fields.due = due.value;
      send("action.add", fields);
      what.value = ""; owner.value = ""; due.value = "";
      what.focus();
    });
    block.append(el("details", { class: "add-action", "data-key": `${base}-details` },
      el("summary", { "data-key": `${base}-summary` }, t("add_action")), form));
    return block;
  }

  /** What and who in the workshop's language, "by <date>" in the page's. */
  function describeAction(action) {
    const due = action.due ? ` (${t("by_date", { date: formatDate(action.due) })})` : "";
    return [el("span", { lang: written }, action.what + (action.owner ? ` – ${action.owner}` : "")), due];
  }

  function renderPanel() {
    const dots = $("dots-input");
    if (document.activeElement !== dots) dots.value = s.dots;
    $("actions-toggle").checked = s.actionsAllowed;
    $("publish-toggle").checked = s.published;
  }

  // ---- static controls ----

  $("themes-form").addEventListener("submit", (event) => { event.preventDefault(); runThemes(null); });
  for (const button of document.querySelectorAll("[data-run-prompt]")) {
    button.addEventListener("click", () => runThemes(Number(button.dataset.runPrompt)));
  }
  for (const zone of document.querySelectorAll("[data-unsorted-for]")) dropZone(zone, Number(zone.dataset.unsortedFor), null);
  $("dots-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("dots-input");
    const n = Number(input.value);
    if (!Number.isInteger(n) || n < 1 || n > 20) {
      invalid(input, t("err_dots"));
      return;
    }
    valid(input);
    send("voting.set", { dots: n });
  });
  $("actions-toggle").addEventListener("change", (event) => send("actions.allow", { allowed: event.target.checked }));
  $("publish-toggle").addEventListener("change", (event) => send("summary.publish", { published: event.target.checked }));

  function dropZone(zone, promptId, themeId) {
    const fits = () => ui.dragging && ui.dragging.prompt_id === promptId;
    zone.addEventListener("dragover", (event) => {
      if (!fits()) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      zone.classList.add("drop-target");
    });
    zone.addEventListener("dragleave", (event) => {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("drop-target");
    });
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      event.stopPropagation();
      zone.classList.remove("drop-target");
      const note = ui.dragging || notes.get(Number(event.dataTransfer.getData("text/plain")));
      if (note && note.prompt_id === promptId) moveNote(note, themeId);
    });
  }

  return { welcome, event, ack, error, handles, state: s, render: schedule };
}
