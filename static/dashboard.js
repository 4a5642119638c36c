// The facilitator's dashboard: steer the workshop and watch every group's notes live.
const assets = JSON.parse(document.getElementById("assets").textContent);
const [{ t, plural, readJson, errorText, formatDate, formatTime }, { LiveClient, storage, CLOSE_DELETED }, { createReview }, { el, confirmedTwice, keepFocus, say }] = await Promise.all([
  import(assets["i18n.js"]),
  import(assets["live.js"]),
  import(assets["review.js"]),
  import(assets["dom.js"]),
]);

const data = readJson("dashboard-data");
const $ = (id) => document.getElementById(id);
const written = $("dashboard").dataset.language; // notes and themes are in the workshop's language

const state = { phase: null, locked: false, shared: false, timer: { ends_at: null }, notes: new Map(), ended: false };
const items = new Map();
// Removing a hidden note's author is pressed twice; a removed author's hidden notes offer to
// erase everything of theirs instead (an erasure request), pressed twice too.
const removal = { confirming: null, removed: new Set() };
let renderQueued = false;

function showError(message) {
  const box = $("control-error");
  box.textContent = message;
  box.hidden = !message;
}

// ---- controls ----

for (const button of document.querySelectorAll(".stepper .step")) {
  button.addEventListener("click", () => live.send("phase.set", { phase: button.dataset.phase }));
}

$("timer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("timer-minutes");
  const minutes = Number(input.value);
  if (!Number.isFinite(minutes) || minutes < 1 || minutes > 240) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "control-error");
    showError(t("err_minutes"));
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  showError("");
  live.send("timer.set", { seconds: Math.round(minutes * 60) });
});
$("timer-stop").addEventListener("click", () => live.send("timer.set", { seconds: 0 }));
$("lock-toggle").addEventListener("click", () => live.send("posting.set", { locked: !state.locked }));
$("share-toggle").addEventListener("change", (event) => live.send("sharing.set", { shared: event.target.checked }));

$("delete-workshop").addEventListener("click", async () => {
  if (!window.confirm(t("delete_confirm"))) return;
  const failed = $("delete-error");
  failed.hidden = true;
  try {
    const response = await fetch(`/api/workshops/${data.workshop_id}`, {
      method: "DELETE", headers: { Authorization: `Bearer ${data.token}` },
    });
    if (response.status !== 204) throw new Error(String(response.status));
  } catch {
    failed.textContent = t("delete_failed");
    failed.hidden = false;
  } // on success the server closes the live connection: closed() says the workshop is gone
});

const dialog = $("qr-dialog");
$("qr-show").addEventListener("click", () => dialog.showModal());
dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
dialog.addEventListener("close", () => $("qr-show").focus());

$("copy-link").addEventListener("click", async () => {
  const input = $("dashboard-link");
  let copied = false;
  try {
    await navigator.clipboard.writeText(input.value);
    copied = true;
  } catch {
    input.select();
    try { copied = document.execCommand("copy"); } catch { copied = false; }
  }
  $("copy-status").textContent = copied ? t("copied") : t("copy_failed");
});

function renderControls() {
  for (const button of document.querySelectorAll(".stepper .step")) {
    if (button.dataset.phase === state.phase) button.setAttribute("aria-current", "step");
    else button.removeAttribute("aria-current");
  }
  $("posting-state").textContent = state.locked ? t("posting_locked") : t("posting_open");
  $("lock-toggle").textContent = state.locked ? t("unlock") : t("lock");
  $("share-toggle").checked = state.shared;
}

function tickTimer() {
  const value = $("timer-value");
  let text = "–";
  if (state.timer?.ends_at) {
    const remaining = Math.max(0, Math.min(state.timer.seconds || Infinity,
      Math.ceil((state.timer.ends_at - live.now()) / 1000)));
    text = remaining > 0 ? formatTime(remaining) : t("time_up");
  }
  if (value.textContent === text) return;
  if (text === t("time_up") && /\d/.test(value.textContent)) say(text); // it ran out just now
  value.textContent = text;
}

// ---- announcements: what happens without the facilitator's own doing, briefly ----

const announcer = { notes: 0, timer: 0 };

/** New notes are counted and told at most every 5 s: a busy room must not drown the reader. */
function announceNote() {
  announcer.notes += 1;
  announcer.timer ||= setTimeout(() => {
    say(plural("new_notes", announcer.notes));
    Object.assign(announcer, { notes: 0, timer: 0 });
  }, 5000);
}

// ---- notes ----

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; renderNotes(); });
}

function removeAuthor(note, erase) {
  if (!confirmedTwice(removal, note.id, scheduleRender)) return;
  // participant.removed follows a removal; an erasure's note.deleted take the notes away
  live.send("participant.remove", { participant_id: note.participant_id, ...(erase ? { erase } : {}) });
  say(t(erase ? "author_erased" : "author_removed"));
  scheduleRender();
}

function noteItem(note) {
  const author = note.hidden && note.participant_id ? (removal.removed.has(note.participant_id) ? "erase" : "remove") : null;
  const confirming = removal.confirming === note.id;
  const signature = JSON.stringify([note.text, note.author, note.hidden, author, confirming]);
  let item = items.get(note.id);
  if (item && item.dataset.signature === signature) return item;
  const focused = item && item.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  if (!item) {
    item = el("li", { "data-note-id": note.id });
    items.set(note.id, item);
  }
  item.dataset.signature = signature;
  item.className = `note${note.hidden ? " is-hidden" : ""}`;
  const textId = `note-${note.id}-text`;
  const meta = el("p", { class: "note-meta" }, el("span", { class: "author" }, note.author || t("anonymous")));
  if (note.hidden) meta.append(" ", el("span", { class: "badge hidden-badge" }, t("hidden")));
  const toggle = el("button", {
    type: "button", class: "small secondary", "aria-describedby": textId, "data-key": "hide",
    onclick: () => live.send("note.hide", { note_id: note.id, hidden: !note.hidden }),
  }, note.hidden ? t("unhide") : t("hide"));
  const actions = el("div", { class: "note-actions" }, toggle);
  if (author) {
    actions.append(el("button", {
      type: "button", class: `small ${confirming ? "danger" : "secondary"}`, "aria-describedby": textId,
      "data-key": author, onclick: () => removeAuthor(note, author === "erase"),
    }, t(`${author}_author${confirming ? "_confirm" : ""}`)));
  }
  item.replaceChildren(el("p", { class: "note-text", id: textId, lang: note.lang || written }, note.text), meta, actions);
  if (focused !== null) (actions.querySelector(`[data-key="${focused}"]`) || toggle).focus();
  return item;
}

function renderNotes() {
  const lists = new Map();
  for (const list of document.querySelectorAll("ul.notes[data-prompt-id]")) {
    lists.set(`${list.dataset.promptId}-${list.dataset.groupId}`, { list, notes: [] });
  }
  let hidden = 0;
  for (const note of state.notes.values()) {
    if (note.hidden) hidden += 1;
    lists.get(`${note.prompt_id}-${note.group_id}`)?.notes.push(note);
  }
  for (const [key, { list, notes }] of lists) {
    notes.sort((a, b) => a.id - b.id);
    const wanted = notes.map(noteItem);
    wanted.forEach((item, index) => {
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
    });
    while (list.children.length > wanted.length) list.lastElementChild.remove();
    const count = document.querySelector(`[data-count-for="${key}"]`);
    if (count) count.textContent = `(${notes.length})`;
  }
  for (const id of items.keys()) if (!state.notes.has(id)) items.delete(id);
  const total = state.notes.size;
  $("note-total").textContent = plural("notes_total", total) + (hidden ? `, ${t("hidden_total", { n: hidden })}` : "");
}

// ---- themes, votes, actions and the summary (static/review.js) ----

const review = createReview({ send: (type, fields) => live.send(type, fields), notes: state.notes, t, plural, errorText, formatDate, el, confirmedTwice, written });

// ---- protocol ----

function setConnection(kind) {
  const box = $("connection");
  if (kind === "open" || kind === "none") box.replaceChildren();
  else if (kind === "offline") box.replaceChildren(el("p", { class: "banner offline" }, t("offline")));
}

// Changes made offline are kept in this browser until sent, through reloads too: the offline
// banner promises they will be sent. Those older than an hour are dropped when the dashboard
// opens again: the workshop has moved on (a phase change would reopen posting days later).
const outboxKey = `talkoot:outbox:dashboard:${data.workshop_id}`;
const STALE_MS = 3600 * 1000;
const queued = storage.get(outboxKey);
storage.set(outboxKey, Array.isArray(queued) ? queued.filter((entry) => Date.now() - (entry.at || 0) < STALE_MS) : []);
const live = new LiveClient({
  token: data.token,
  outboxKey,
  handlers: {
    welcome(msg, since) {
      const w = msg.workshop;
      if (since === 0) state.notes.clear();
      Object.assign(state, { phase: w.phase, locked: w.locked, shared: w.shared, timer: w.timer });
      renderControls();
      tickTimer();
      scheduleRender();
      review.welcome(msg, since);
    },
    event(msg, replayed) {
      review.event(msg);
      if (!replayed && msg.type === "note.added") announceNote();
      if (!replayed && msg.type === "phase.changed") say(t("phase_now", { phase: t(`phase.${msg.phase}`) }));
      switch (msg.type) {
        case "note.added":
        case "note.updated":
        case "note.hidden":
          if (msg.note) state.notes.set(msg.note.id, msg.note);
          break;
        case "note.deleted":
          state.notes.delete(msg.note_id);
          break;
        case "phase.changed":
          state.phase = msg.phase;
          break;
        case "timer.changed":
          state.timer = msg.timer;
          tickTimer();
          break;
        case "posting.changed":
          state.locked = msg.locked;
          break;
        case "sharing.changed":
          state.shared = msg.shared;
          break;
        case "participant.removed":
          removal.removed.add(msg.participant_id);
          break;
        case "presence":
          for (const group of msg.groups) {
            const count = document.querySelector(`#presence [data-group-id="${group.id}"] .presence-count`);
            if (count) count.textContent = t("presence", { online: group.online, joined: group.joined });
          }
          return;
        default:
          return;
      }
      renderControls();
      scheduleRender();
    },
    ack(msg, entry) {
      if (review.handles(entry)) review.ack(msg, entry);
      if (msg.note) state.notes.set(msg.note.id, msg.note);
      showError("");
      scheduleRender();
    },
    error(msg, entry) {
      if (review.handles(entry)) return review.error(msg, entry);
      if (entry) showError(errorText(msg.code, "err.command"));
      renderControls(); // undo an optimistic checkbox
    },
    status(kind) {
      if (!state.ended) setConnection(kind === "open" ? "open" : kind === "offline" ? "offline" : "connecting");
    },
    closed(code) {
      state.ended = true;
      setConnection("none");
      storage.remove(outboxKey); // nothing it holds can be sent any more
      $("dash-message").replaceChildren(el("p", { class: "notice error" }, code === CLOSE_DELETED ? t("deleted") : t("bad_token")));
      // Nothing of a deleted workshop stays on screen (a projector may be showing it).
      if (code === CLOSE_DELETED) {
        dialog.close();
        for (const part of document.querySelectorAll("#dashboard > :not(.dash-top), .dash-top > section")) part.hidden = true;
        const title = document.querySelector(".dash-title h1"); // the focus was on a control now gone
        title.tabIndex = -1;
        title.focus();
      }
    },
  },
});
// A note that goes while focused (deleted by its author, an erasure) leaves the focus on its
// group's heading, not on <body>.
keepFocus(document.querySelector(".all-notes"), "section.group-column");
live.start();
setInterval(tickTimer, 250);
globalThis.talkootDashboard = { live, state, review: review.state };
