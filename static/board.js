// The participant's board: prompts, a note form per prompt, the group's notes, live.
const assets = JSON.parse(document.getElementById("assets").textContent);
const [{ t, plural, errorText, formatDate, formatTime }, { LiveClient, storage, notNow, CLOSE_DELETED }, { createVote }, { el, setAttr, confirmedTwice, keepFocus, say }] = await Promise.all([
  import(assets["i18n.js"]),
  import(assets["live.js"]),
  import(assets["vote.js"]),
  import(assets["dom.js"]),
]);

const MAX_CHARS = 500;
const root = document.getElementById("board");
const workshopId = root.dataset.workshopId;
const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  groupId: null,
  title: "",
  language: "", // the workshop's, which the title and prompts are in
  code: "",
  phase: null,
  locked: false,
  shared: false,
  timer: { ends_at: null, seconds: null },
  prompts: [],
  groups: new Map(),
  notes: new Map(),
  ended: false,
};
const ui = { sections: new Map(), items: new Map(), editing: null, confirming: null, renderQueued: false, offline: false };

const auth = storage.get(`talkoot:participant:${workshopId}`);
let live = null;

function showMessage(text, link, unsent = []) {
  const box = $("board-message");
  // Notes that never reached the server are shown, not dropped with the session.
  const kept = unsent.length
    ? [el("p", {}, t("unsent_notes")), el("ul", { class: "unsent" }, ...unsent.map((note) => el("li", {}, note)))]
    : [];
  box.replaceChildren(el("div", { class: "notice error", tabindex: -1 }, el("p", {}, text), ...kept,
    link ? el("p", {}, el("a", { class: "button", href: link.href }, link.text)) : null));
}

function setConnection(kind) {
  const box = $("connection");
  if (kind === "open" || kind === "none") box.replaceChildren();
  else if (kind === "connecting") return; // "Connecting…" until the first welcome
  else box.replaceChildren(el("p", { class: "banner offline" }, t("offline")));
}

// ---- rendering ----

const groupName = (id) => state.groups.get(id) || "";

function buildPrompts() {
  const container = $("prompts");
  container.replaceChildren();
  ui.sections.clear();
  ui.items.clear();
  for (const prompt of state.prompts) {
    const base = `p${prompt.id}`;
    const textarea = el("textarea", {
      id: `${base}-text`, name: "text", rows: 3, maxLength: MAX_CHARS,
      "aria-describedby": `${base}-count ${base}-error`,
    });
    const counter = el("span", { id: `${base}-count`, class: "count" });
    const button = el("button", { type: "submit" }, t("post"));
    const lockedHint = el("p", { id: `${base}-locked`, class: "hint", hidden: true }, t("posting_locked"));
    const error = el("p", { id: `${base}-error`, class: "field-error", hidden: true });
    const form = el("form", { class: "post-form", novalidate: true },
      el("label", { for: textarea.id }, t("write_note")), textarea,
      el("div", { class: "form-row" }, counter, button), lockedHint, error);
    const list = el("ul", { class: "notes" });
    const empty = el("p", { class: "muted empty" }, t("no_notes"));
    const section = el("section", { class: "prompt", "aria-labelledby": `${base}-heading`, "data-prompt-id": prompt.id },
      el("h2", { id: `${base}-heading`, tabindex: -1, lang: state.language || null }, prompt.text), list, empty, form);
    container.append(section);
    const parts = { section, list, empty, form, textarea, counter, button, lockedHint, error };
    ui.sections.set(prompt.id, parts);
    const updateCount = () => { counter.textContent = t("chars", { n: textarea.value.length, max: MAX_CHARS }); };
    textarea.addEventListener("input", () => { updateCount(); hideError(error); saveCache(); });
    updateCount();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      post(prompt.id, parts);
    });
  }
  renderLocked();
}

function renderHeader() {
  $("workshop-title").textContent = state.title;
  $("workshop-title").lang = state.language;
  document.title = `${state.title} – Talkoot`;
  const line = $("group-line");
  line.textContent = t("your_group", { group: groupName(state.groupId) });
  line.hidden = !state.groupId;
  renderPhase();
}

function renderPhase() {
  if (!state.phase) return;
  $("phase-name").textContent = t(`phase.${state.phase}`);
  $("phase-help").textContent = t(`help.${state.phase}`);
}

// Vote and summary lock posting as usual: no banner, no forms (hidden a frame after the vote
// view takes the focus); nor has a closed board.
const formsClosed = () => state.ended || ["vote", "summary"].includes(state.phase);

function renderLocked() {
  $("locked-banner").hidden = !state.locked || formsClosed();
  for (const parts of ui.sections.values()) {
    // aria-disabled, not disabled: a focused Post button keeps the focus when posting pauses.
    setAttr(parts.button, "aria-disabled", state.locked || state.ended ? "true" : null);
    parts.lockedHint.hidden = !state.locked;
    // aria-describedby reads hidden elements too: refer to it only when shown.
    const hint = state.locked ? parts.lockedHint.id : null;
    parts.textarea.setAttribute("aria-describedby", [parts.counter.id, hint, parts.error.id].filter(Boolean).join(" "));
    setAttr(parts.button, "aria-describedby", hint);
  }
}

function scheduleRender() {
  if (ui.renderQueued || ui.holdRender) return;
  ui.renderQueued = true;
  requestAnimationFrame(() => { ui.renderQueued = false; renderNotes(); saveCache(); });
}

// ---- a copy of the board in localStorage, for a reload without network ----

const cacheKey = auth ? `talkoot:board:${workshopId}:${auth.participant_id}` : null;
let cacheTimer = 0;

/** At most every 300 ms: a throttle (a debounce would starve under renders every 250 ms). */
function saveCache() {
  if (!cacheTimer) cacheTimer = setTimeout(writeCache, 300);
}

/** Also on pagehide, so that a reload right after a change has it. */
function writeCache() {
  clearTimeout(cacheTimer);
  cacheTimer = 0;
  if (!cacheKey || state.ended || !state.prompts.length) return;
  const { me, groupId, title, language, code, phase, locked, shared, timer, prompts } = state;
  storage.set(cacheKey, { me, groupId, title, language, code, phase, locked, shared, timer, prompts,
    groups: [...state.groups], notes: [...state.notes.values()],
    drafts: [...ui.sections].map(([id, parts]) => [id, parts.textarea.value]) });
}

function loadCache() {
  const cached = cacheKey && storage.get(cacheKey);
  if (!cached || !Array.isArray(cached.prompts)) return;
  const { groups, notes, drafts = [], ...rest } = cached;
  Object.assign(state, rest);
  state.groups = new Map(groups);
  state.notes = new Map(notes.map((note) => [note.id, note]));
  buildPrompts();
  // Notes typed but not posted come back too: phones reload tabs they put to sleep.
  for (const [id, text] of drafts) {
    const area = ui.sections.get(id)?.textarea;
    if (area) { area.value = text; area.dispatchEvent(new Event("input")); }
  }
  renderHeader();
  scheduleRender();
}

function forget() {
  for (const key of [cacheKey, `talkoot:outbox:${workshopId}:${auth.participant_id}`, `talkoot:participant:${workshopId}`]) {
    storage.remove(key);
  }
}

/** The outbox as the lists should show it: pending notes, edits and deletions. */
function pendingView() {
  const adds = new Map();
  const edits = new Map();
  const deletes = new Set();
  const claimed = new Set();
  for (const entry of live ? live.outbox : []) {
    if (entry.type === "note.add") {
      // Sent, and its note arrived before the ack: show the note only. (Ids grow: an older
      // note of the same text is not it.)
      if (entry.sent) {
        const match = [...state.notes.values()].find((n) => n.participant_id === state.me && !claimed.has(n.id)
          && n.id > (entry.seen || 0) && n.prompt_id === entry.prompt_id && n.text === entry.text.trim());
        if (match) { claimed.add(match.id); continue; }
      }
      if (!adds.has(entry.prompt_id)) adds.set(entry.prompt_id, []);
      adds.get(entry.prompt_id).push(entry);
    } else if (entry.type === "note.edit") edits.set(entry.note_id, entry);
    else if (entry.type === "note.delete") deletes.add(entry.note_id);
  }
  return { adds, edits, deletes };
}

function visible(note) {
  return !note.hidden && (note.group_id === state.groupId || state.shared);
}

function renderNotes() {
  $("prompts").hidden = formsClosed();
  const pending = pendingView();
  const byPrompt = new Map();
  for (const note of state.notes.values()) {
    if (!visible(note) || pending.deletes.has(note.id)) continue;
    if (!byPrompt.has(note.prompt_id)) byPrompt.set(note.prompt_id, []);
    byPrompt.get(note.prompt_id).push(note);
  }
  const seen = new Set();
  for (const [promptId, parts] of ui.sections) {
    const notes = (byPrompt.get(promptId) || []).sort((a, b) => a.id - b.id);
    const wanted = notes.map((note) => {
      const edit = pending.edits.get(note.id);
      return noteItem(`n${note.id}`, {
        note, text: edit ? edit.text.trim() : note.text, pending: Boolean(edit), hold: edit?.hold,
      });
    });
    for (const entry of pending.adds.get(promptId) || []) {
      wanted.push(noteItem(`c${entry.cid}`, { note: null, text: entry.text.trim(), pending: true, hold: entry.hold }));
    }
    const list = parts.list;
    wanted.forEach((item, index) => {
      seen.add(item.dataset.key);
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
    });
    while (list.children.length > wanted.length) list.lastElementChild.remove();
    parts.empty.hidden = wanted.length > 0;
  }
  for (const key of ui.items.keys()) if (!seen.has(key)) ui.items.delete(key);
}

/** The <li> of one note, reused between renders and rebuilt only when its content changes. */
function noteItem(key, { note, text, pending, hold }) {
  const own = !note || note.participant_id === state.me;
  const editing = note && ui.editing === note.id;
  const confirming = note && ui.confirming === note.id;
  const otherGroup = note && note.group_id !== state.groupId;
  const author = own ? t("you") : note.author || t("anonymous");
  const signature = JSON.stringify([text, author, pending, hold, own, otherGroup && groupName(note.group_id), editing, confirming, state.ended]);
  let item = ui.items.get(key);
  if (item && item.dataset.signature === signature) return item;
  const hadFocus = item && item.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  if (!item) {
    item = el("li", { "data-key": key });
    ui.items.set(key, item);
  }
  item.dataset.signature = signature;
  item.className = `note${own ? " own" : ""}${pending ? " pending" : ""}`;
  if (note) item.dataset.noteId = note.id; else item.removeAttribute("data-note-id");
  const textId = `${key}-text`;
  if (editing) {
    item.replaceChildren(editForm(note, text));
    return item;
  }
  const meta = el("p", { class: "note-meta" }, el("span", { class: "author" }, author));
  if (otherGroup) meta.append(" · ", el("span", { class: "group-tag" }, groupName(note.group_id)));
  if (pending) meta.append(" ", el("span", { class: "badge pending-badge" }, hold ? t("pending_locked") : t("pending")));
  item.replaceChildren(el("p", { class: "note-text", id: textId, tabindex: -1, "data-action": "text", lang: !pending && note?.lang || state.language || null }, text), meta);
  if (own && note && !pending && !state.ended) {
    item.append(el("div", { class: "note-actions" },
      el("button", { type: "button", class: "small secondary", "data-action": "edit", "aria-describedby": textId,
        onclick: () => { ui.editing = note.id; ui.confirming = null; renderNotes(); item.querySelector("textarea")?.focus(); } }, t("edit")),
      el("button", { type: "button", class: `small ${confirming ? "danger" : "secondary"}`, "data-action": "delete", "aria-describedby": textId,
        onclick: () => removeNote(note) }, confirming ? t("confirm_delete") : t("delete"))));
  }
  if (hadFocus) item.querySelector(`[data-action="${hadFocus}"]`)?.focus();
  return item;
}

function editForm(note, text) {
  const id = `edit-${note.id}`;
  const textarea = el("textarea", { id, rows: 3, maxLength: MAX_CHARS, value: text, "aria-describedby": `${id}-error` });
  const error = el("p", { id: `${id}-error`, class: "field-error", hidden: true });
  const close = () => {
    ui.editing = null;
    renderNotes();
    // Back to Edit, or to the text while the saved edit waits (it has no buttons).
    const item = ui.items.get(`n${note.id}`);
    (item?.querySelector('[data-action="edit"]') || item?.querySelector(".note-text"))?.focus();
  };
  const form = el("form", { class: "edit-form", novalidate: true },
    el("label", { for: id }, t("edit_note")), textarea, error,
    el("div", { class: "form-row" },
      el("button", { type: "submit", class: "small" }, t("save")),
      el("button", { type: "button", class: "small secondary", onclick: close }, t("cancel"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = wellFormed(textarea.value);
    if (!value) return showFormError({ error, textarea }, t("err.empty"));
    if (value !== note.text) live.send("note.edit", { note_id: note.id, text: value });
    close();
  });
  textarea.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  return form;
}

function removeNote(note) {
  if (!confirmedTwice(ui, note.id, renderNotes)) return;
  live.send("note.delete", { note_id: note.id });
  renderNotes();
  ui.sections.get(note.prompt_id)?.textarea.focus();
}

function post(promptId, parts) {
  const text = wellFormed(parts.textarea.value);
  hideError(parts.error);
  if (state.ended) return;
  if (state.locked) return say(t("posting_locked"));
  if (!text) return showFormError(parts, t("err.empty"));
  if (text.length > MAX_CHARS) return showFormError(parts, t("err.too_long"));
  live.send("note.add", { prompt_id: promptId, text, seen: Math.max(0, ...state.notes.keys()) });
  say(t("added"));
  parts.textarea.value = "";
  parts.textarea.dispatchEvent(new Event("input"));
  renderNotes();
  parts.textarea.focus();
}

/** Trimmed, with any lone surrogate (from a broken paste) replaced by U+FFFD: the server
 *  refuses such JSON before it can read the cid, and the note would be re-sent forever. */
function wellFormed(text) {
  return (text.toWellFormed ? text.toWellFormed() : text).trim(); // older browsers lack it
}

function hideError(element) {
  element.hidden = true;
  element.textContent = ""; // aria-describedby still reads hidden text
}

function showFormError(parts, message) {
  parts.error.textContent = message;
  parts.error.hidden = false;
  parts.textarea.setAttribute("aria-invalid", "true");
  parts.textarea.focus();
  parts.textarea.addEventListener("input", () => parts.textarea.removeAttribute("aria-invalid"), { once: true });
}

// ---- announcements (polite, short, never the whole stream) ----

const announcer = { groups: [], timer: 0 };

function announceNote(note) {
  announcer.groups.push(groupName(note.group_id));
  announcer.timer ||= setTimeout(() => {
    const groups = announcer.groups;
    announcer.groups = [];
    announcer.timer = 0;
    say(groups.length === 1 ? t("new_note_from", { group: groups[0] }) : plural("new_notes", groups.length));
  }, 5000);
}

// ---- timer ----

const clock = { last: null };

function tickTimer() {
  const box = $("timer");
  const endsAt = state.timer?.ends_at;
  if (!endsAt || !live) {
    box.hidden = true;
    clock.last = null;
    return;
  }
  const remaining = Math.max(0, Math.min(state.timer.seconds || Infinity, Math.ceil((endsAt - live.now()) / 1000)));
  box.hidden = false;
  const value = $("timer-value");
  const text = remaining > 0 ? formatTime(remaining) : t("time_up");
  if (value.textContent !== text) value.textContent = text;
  box.classList.toggle("ending", remaining > 0 && remaining <= 60);
  if (clock.last !== null) {
    if (clock.last > 60 && remaining <= 60 && remaining > 0) say(t("timer_minute"));
    if (clock.last > 0 && remaining === 0) say(t("timer_up"));
  }
  clock.last = remaining;
}

// ---- protocol ----

function upsert(note) {
  if (!note) return;
  if (note.hidden) state.notes.delete(note.id);
  else state.notes.set(note.id, note);
}

// Dots, actions and the published summary (static/vote.js).
const vote = createVote({ live: () => live, t, plural, formatDate, el, say, workshopId,
  token: auth?.participant_token, viewUrl: assets["vote_view.js"], noteOf: (id) => state.notes.get(id) });

const handlers = {
  welcome(msg, since) {
    vote.welcome(msg, since);
    const w = msg.workshop;
    if (since > 0 && w.shared && !state.shared) {
      live.resync(); // results were shared while we were away: rebuild from the start
      return;
    }
    if (since === 0) {
      state.notes.clear();
      ui.holdRender = true; // keep showing the old list until the replay is complete
    }
    Object.assign(state, {
      me: msg.participant_id, groupId: msg.group_id, title: w.title, language: w.language, code: w.code, phase: w.phase,
      locked: w.locked, shared: w.shared, timer: w.timer,
    });
    state.groups = new Map(w.groups.map((g) => [g.id, g.name]));
    const changed = JSON.stringify(w.prompts) !== JSON.stringify(state.prompts);
    state.prompts = w.prompts;
    if (changed) buildPrompts();
    renderHeader();
    renderLocked();
    if (!state.locked) live.resume(); // notes held back while posting was paused
    clock.last = null;
    tickTimer();
    scheduleRender();
  },
  event(msg, replayed) {
    vote.event(msg, replayed);
    switch (msg.type) {
      case "note.added":
      case "note.updated":
        upsert(msg.note);
        if (msg.type === "note.added" && !replayed && msg.note && !msg.note.hidden && msg.note.participant_id !== state.me
            && visible(msg.note)) announceNote(msg.note);
        break;
      case "note.deleted":
        state.notes.delete(msg.note_id);
        break;
      case "note.hidden":
        if (msg.hidden) state.notes.delete(msg.note_id);
        else upsert(msg.note);
        break;
      case "notes.snapshot":
        state.notes.clear();
        for (const note of msg.notes) upsert(note);
        break;
      case "sharing.changed":
        state.shared = msg.shared;
        if (!state.shared) for (const [id, note] of state.notes) if (note.group_id !== state.groupId) state.notes.delete(id);
        break;
      case "phase.changed":
        state.phase = msg.phase;
        renderPhase();
        renderLocked();
        if (!replayed) say(t("phase_now", { phase: t(`phase.${msg.phase}`) }));
        ui.phaseAt = Date.now(); // its own posting change goes unsaid
        break;
      case "timer.changed":
        state.timer = msg.timer;
        clock.last = null;
        tickTimer();
        if (!replayed && msg.timer.ends_at) say(t("timer_started", { time: formatTime(msg.timer.seconds || 0) }));
        break;
      case "posting.changed":
        state.locked = msg.locked;
        renderLocked();
        if (!state.locked) live.resume();
        if (!replayed && Date.now() - (ui.phaseAt || 0) > 1000) say(t(state.locked ? "posting_locked" : "posting_open"));
        break;
      default:
        return;
    }
    scheduleRender();
  },
  ack(msg, entry) {
    if (vote.handles(entry)) return vote.ack(msg, entry);
    if (msg.note) upsert(msg.note);
    const parts = entry?.type === "note.add" ? ui.sections.get(entry.prompt_id) : null;
    if (parts) hideError(parts.error);
    if (entry?.type === "note.delete") state.notes.delete(entry.note_id);
    scheduleRender();
  },
  error(msg, entry) {
    if (!entry) return undefined;
    if (vote.handles(entry)) return vote.error(msg, entry);
    const promptId = entry.prompt_id ?? state.notes.get(entry.note_id)?.prompt_id;
    const parts = ui.sections.get(promptId);
    const message = errorText(msg.code, "err.other");
    if (parts) { parts.error.textContent = message; parts.error.hidden = false; }
    say(message); // the error line is no live region
    scheduleRender();
    if (msg.code === "locked") return "hold";
    if (notNow(msg.code)) return "later"; // kept in the outbox: nothing to give back
    // Refused for good: give the text back so nothing typed is lost.
    if (parts && entry.type === "note.add" && !parts.textarea.value) {
      parts.textarea.value = entry.text;
      parts.textarea.dispatchEvent(new Event("input"));
    }
    return undefined;
  },
  synced() {
    ui.holdRender = false;
    scheduleRender();
  },
  status(kind) {
    if (kind !== "open" && ui.holdRender) { ui.holdRender = false; scheduleRender(); }
    if (state.ended) return;
    setConnection(kind); // "stopped" shows as offline too
    root.classList.toggle("is-offline", kind !== "open");
    // The offline banner goes in silence: say it (not on the first connection).
    if (kind === "offline") ui.offline = true;
    else if (kind === "open" && ui.offline) { ui.offline = false; say(t("connection_restored")); }
  },
  closed(code) {
    state.ended = true;
    setConnection("none");
    const unsent = live.outbox.filter((e) => e.type === "note.add" || e.type === "note.edit").map((e) => e.text)
      .concat([...ui.sections.values()].map((parts) => parts.textarea.value).filter((text) => text.trim()));
    renderLocked();
    state.timer = {};
    tickTimer();
    vote.end();
    forget();
    state.notes.clear();
    if (code === CLOSE_DELETED) showMessage(t("deleted"), null, unsent);
    else showMessage(t("bad_token"), { href: state.code ? `/j/${state.code}` : "/join", text: t("join_again") }, unsent);
    $("board-message").firstChild.focus(); // not lost with the forms
    scheduleRender();
  },
};

if (!auth || !auth.participant_token) {
  setConnection("none");
  showMessage(t("no_token"), { href: "/join", text: t("join_link") });
} else {
  live = new LiveClient({
    token: auth.participant_token,
    outboxKey: `talkoot:outbox:${workshopId}:${auth.participant_id}`,
    handlers,
  });
  loadCache();
  keepFocus(root, "#summary-view, #vote-view, section.prompt", "workshop-title");
  addEventListener("pagehide", writeCache);
  live.start();
  setInterval(tickTimer, 250);
  navigator.serviceWorker?.register("/w/sw.js").catch(() => {}); // static/sw.js
  // For debugging and the browser tests (read-only).
  globalThis.talkootBoard = { live, state, vote: vote.state };
}
