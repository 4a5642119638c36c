// The participant's vote and summary views, loaded by board.js: dots on the themes in the
// vote phase, actions when the facilitator allows them, and the summary once published.
const COMMANDS = new Set(["vote.cast", "vote.retract", "action.add", "action.delete"]);

export function createVote({ live, t, plural, formatDate, el, say, workshopId, token }) {
  const $ = (id) => document.getElementById(id);
  const s = {
    me: null, phase: null, dots: 3, actionsAllowed: false, published: false, prompts: [],
    themes: new Map(), mine: new Map(), actions: new Map(), summaryShown: false, fetches: 0,
  };
  let queued = false;
  let refetch = 0;

  const promptOf = (themeId) => s.themes.get(themeId)?.prompt_id;
  const outbox = (type) => live().outbox.filter((e) => e.type === type);

  function upsert(theme) {
    const ids = new Set(theme.note_ids);
    for (const other of s.themes.values()) if (other.id !== theme.id) other.note_ids = other.note_ids.filter((id) => !ids.has(id));
    s.themes.set(theme.id, theme);
  }

  function drop(id, intoId) {
    s.themes.delete(id);
    const dots = s.mine.get(id) || 0;
    s.mine.delete(id);
    if (intoId && dots) s.mine.set(intoId, (s.mine.get(intoId) || 0) + dots); // a merge: dots went along
    for (const a of [...s.actions.values()]) if (a.theme_id === id) { if (intoId) a.theme_id = intoId; else s.actions.delete(a.id); }
  }

  // The welcome and every vote's ack carry the participant's dots as stored, per theme id.
  const ownDots = (votes) => new Map(Object.entries(votes || {}).map(([id, n]) => [Number(id), n]));

  function welcome(msg, since) {
    const w = msg.workshop;
    if (since === 0) { s.themes.clear(); s.actions.clear(); }
    Object.assign(s, { me: msg.participant_id, phase: w.phase, dots: w.dots, actionsAllowed: w.participant_actions, published: w.summary_published, prompts: w.prompts });
    s.mine = ownDots(msg.votes);
    schedule();
    summary(false);
  }

  function event(msg, replayed) {
    switch (msg.type) {
      case "phase.changed": s.phase = msg.phase; summary(!replayed); break;
      case "summary.changed": s.published = msg.published; summary(!replayed); break;
      case "themes.replaced": {
        const keep = new Set(msg.themes.map((th) => th.id));
        for (const th of [...s.themes.values()]) {
          const scope = (th.group_id ?? null) === (msg.group_id ?? null);
          if (th.prompt_id === msg.prompt_id && !keep.has(th.id) && (scope || (msg.group_id == null && !th.edited && !s.mine.get(th.id)))) drop(th.id);
        }
        msg.themes.forEach(upsert);
        break;
      }
      case "theme.updated": upsert(msg.theme); break;
      case "theme.removed": drop(msg.theme_id, msg.into_id); break;
      case "voting.changed": s.dots = msg.dots; break;
      case "actions.allowed": s.actionsAllowed = msg.allowed; break;
      case "action.added": s.actions.set(msg.action.id, msg.action); break;
      case "action.removed": s.actions.delete(msg.action_id); break;
      default: return;
    }
    if (!replayed && s.summaryShown && /^(theme|action)/.test(msg.type)) {
      clearTimeout(refetch);
      refetch = setTimeout(() => summary(false), 1000);
    }
    schedule();
  }

  const handles = (entry) => Boolean(entry && COMMANDS.has(entry.type));

  function ack(msg, entry) {
    if (msg.votes) {
      s.mine = ownDots(msg.votes); // as stored: an ack of a repeated cid counts nothing twice
      const promptId = promptOf(entry.theme_id);
      const spent = [...s.themes.values()].filter((th) => th.prompt_id === promptId).reduce((n, th) => n + (s.mine.get(th.id) || 0), 0);
      say(t("dots_left", { left: Math.max(0, s.dots - spent), total: s.dots }));
    }
    showError("");
    schedule();
  }

  function error(msg, entry) {
    const known = { no_dots_left: "err.no_dots_left", not_voting: "err.not_voting" };
    showError(t(known[msg.code] || "err.vote"));
    schedule();
    return msg.code === "rate_limited" ? "later" : undefined;
  }

  function showError(text) { $("vote-error").textContent = text; }

  // ---- the vote view -----------------------------------------------------------------------

  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; render(); });
  }

  function render() {
    const view = $("vote-view");
    view.hidden = s.phase !== "vote";
    if (view.hidden) return;
    const casts = outbox("vote.cast");
    const retracts = outbox("vote.retract");
    const sections = s.prompts.map((prompt) => {
      const themes = [...s.themes.values()].filter((th) => th.prompt_id === prompt.id);
      const spent = themes.reduce((sum, th) => sum + (s.mine.get(th.id) || 0), 0)
        + casts.filter((e) => promptOf(e.theme_id) === prompt.id).length
        - retracts.filter((e) => promptOf(e.theme_id) === prompt.id).length;
      const left = Math.max(0, s.dots - spent);
      const list = el("ul", { class: "vote-themes" }, ...themes.map((th) => themeItem(th, left, casts, retracts)));
      return el("section", { class: "prompt vote-prompt", "aria-labelledby": `vp${prompt.id}` },
        el("h3", { id: `vp${prompt.id}` }, prompt.text),
        el("p", { class: "dots-left", "data-prompt-id": prompt.id }, t("dots_left", { left, total: s.dots })),
        themes.length ? list : el("p", { class: "muted" }, t("no_themes")));
    });
    const box = $("vote-prompts");
    const active = box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const values = new Map([...box.querySelectorAll("input[data-key]")].map((i) => [i.dataset.key, i.value]));
    const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    box.replaceChildren(...sections);
    for (const node of box.querySelectorAll("[data-key]")) {
      if (values.has(node.dataset.key)) node.value = values.get(node.dataset.key);
      if (open.has(node.dataset.key)) node.open = true;
    }
    if (active) box.querySelector(`[data-key="${active}"]`)?.focus();
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
      el("h4", { id }, th.label),
      th.keywords?.length ? el("p", { class: "muted" }, th.keywords.join(", ")) : null,
      el("p", { class: "note-meta" }, plural("theme_notes", th.note_ids.length), " · ",
        el("strong", { class: "my-dots" }, t("your_dots", { n: mine }))),
      el("div", { class: "dot-buttons" }, add, remove));
    const actions = [...s.actions.values()].filter((a) => a.theme_id === th.id);
    if (actions.length) {
      item.append(el("ul", { class: "action-list", "aria-label": t("actions") }, ...actions.map(actionItem)));
    }
    if (s.actionsAllowed) item.append(actionForm(th));
    return item;
  }

  function actionItem(a) {
    const id = `va-item-${a.id}`;
    const text = a.what + (a.owner ? ` – ${a.owner}` : "") + (a.due ? ` (${t("by_date", { date: a.due })})` : "");
    const remove = a.participant_id === s.me
      ? el("button", { type: "button", class: "small secondary", "data-key": `${id}-remove`, "aria-describedby": id,
        onclick: () => live().send("action.delete", { action_id: a.id }) }, t("remove"))
      : null;
    return el("li", {}, el("span", { id }, text), remove ? " " : null, remove);
  }

  function actionForm(th) {
    const base = `va${th.id}`;
    const field = (name, props = {}) => el("input", { id: `${base}-${name}`, "data-key": `${base}-${name}`, ...props });
    const what = field("what", { maxLength: 300, required: true });
    const owner = field("owner", { maxLength: 120 });
    const due = field("due", { type: "date" });
    const form = el("form", { class: "action-form", novalidate: true },
      el("label", { for: what.id }, t("what")), what, el("label", { for: owner.id }, t("owner")), owner,
      el("label", { for: due.id }, t("due")), due, el("button", { type: "submit" }, t("add_action")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!what.value.trim()) { what.setAttribute("aria-invalid", "true"); what.focus(); return; }
      live().send("action.add", { theme_id: th.id, what: what.value.trim(),
        ...(owner.value.trim() ? { owner: owner.value.trim() } : {}), ...(due.value ? { due: due.value } : {}) });
      what.value = owner.value = due.value = "";
    });
    return el("details", { class: "add-action", "data-key": `${base}-open` }, el("summary", {}, t("add_action")), form);
  }

  // ---- the published summary -----------------------------------------------------------------

  async function summary(announce) {
    const view = $("summary-view");
    const body = $("summary-body");
    const fetchId = ++s.fetches;
    if (!(s.published && s.phase === "summary")) {
      view.hidden = true;
      body.replaceChildren();
      s.summaryShown = false;
      return;
    }
    let html;
    try {
      const response = await fetch(`/api/workshops/${encodeURIComponent(workshopId)}/summary?format=html`,
        { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
      if (!response.ok) return;
      html = await response.text();
    } catch {
      return; // offline: the next change or reconnect fetches it again
    }
    if (fetchId !== s.fetches) return; // a newer fetch or an unpublish came in between
    // Trusted HTML: the server renders this fragment with Jinja's autoescaping, so participants'
    // text in it is already escaped. DOMParser keeps any script in it inert.
    const doc = new DOMParser().parseFromString(html, "text/html");
    body.replaceChildren(...doc.body.childNodes);
    const first = !s.summaryShown;
    view.hidden = false;
    s.summaryShown = true;
    if (first && announce) say(t("summary_ready"));
  }

  return { welcome, event, ack, error, handles, render: schedule, state: s };
}
