// The participant's vote and summary, loaded by board.js: the themes, dots and actions as
// events change them; vote_view.js draws the vote view and the summary once published.
const COMMANDS = new Set(["vote.cast", "vote.retract", "action.add", "action.delete"]);

export function createVote({ live, t, plural, formatDate, el, say, workshopId, token, viewUrl, noteOf }) {
  const $ = (id) => document.getElementById(id);
  const s = {
    me: null, groupId: null, shared: false, phase: null, dots: 3, actionsAllowed: false, published: false, prompts: [], language: "",
    themes: new Map(), mine: new Map(), votePrompts: new Map(), actions: new Map(), summaryShown: false, summaryLoading: false, fetches: 0,
  };
  let queued = false;
  let refetch = 0;

  const promptOf = (themeId) => s.themes.get(themeId)?.prompt_id ?? s.votePrompts.get(themeId);
  // Dots on a theme out of sight (results unshared since) count too: votePrompts knows its prompt.
  const spentOn = (promptId) => [...s.mine].reduce((n, [id, dots]) => n + (promptOf(id) === promptId ? dots : 0), 0);
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
  const byThemeId = (object) => new Map(Object.entries(object || {}).map(([id, n]) => [Number(id), n]));

  function welcome(msg, since) {
    const w = msg.workshop;
    if (since === 0) { s.themes.clear(); s.actions.clear(); }
    Object.assign(s, { me: msg.participant_id, groupId: msg.group_id, shared: w.shared, phase: w.phase, dots: w.dots, actionsAllowed: w.participant_actions, published: w.summary_published, prompts: w.prompts, language: w.language });
    s.mine = byThemeId(msg.votes);
    s.votePrompts = byThemeId(msg.vote_prompts); // theme id -> prompt id, for themes not shown
    schedule();
    summary(false);
  }

  function event(msg, replayed) {
    switch (msg.type) {
      case "phase.changed": s.phase = msg.phase; summary(!replayed); break;
      case "summary.changed": s.published = msg.published; summary(!replayed); break;
      // Every theme a re-run deletes comes as its own theme.removed first: only the server
      // knows which were touched (others' dots, actions), so nothing is dropped here.
      case "themes.replaced": msg.themes.forEach(upsert); break;
      case "theme.updated": upsert(msg.theme); break;
      case "themes.snapshot": // sharing began: every theme and action as they are now
        s.themes = new Map(msg.themes.map((theme) => [theme.id, theme]));
        s.actions = new Map(msg.actions.map((action) => [action.id, action]));
        break;
      case "theme.removed": drop(msg.theme_id, msg.into_id); break;
      case "voting.changed": s.dots = msg.dots; break;
      case "sharing.changed": s.shared = msg.shared; break;
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
      s.mine = byThemeId(msg.votes); // as stored: an ack of a repeated cid counts nothing twice
      s.votePrompts = byThemeId(msg.vote_prompts);
      const promptId = promptOf(entry.theme_id); // unknown when the theme was removed meanwhile
      if (promptId !== undefined) say(t("dots_left", { left: Math.max(0, s.dots - spentOn(promptId)), total: s.dots }));
    }
    showError("");
    schedule();
  }

  function error(msg, entry) {
    const known = { no_dots_left: "err.no_dots_left", not_voting: "err.not_voting" };
    showError(t(known[msg.code] || "err.vote"));
    schedule();
  }

  function showError(text) { $("vote-error").textContent = text; }

  // ---- the vote view ----

  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; render(); });
  }

  // The vote and summary views' code (static/vote_view.js) is imported when the vote or the
  // summary phase first needs it, so a phone in the earlier phases never loads it.
  let drawVotes = null;
  let importing = null;
  const views = () => (importing ??= import(viewUrl).catch((problem) => {
    importing = null; // offline: the next render or change tries again
    throw problem;
  }));

  function render() {
    const view = $("vote-view");
    // Kept until the summary that replaces it has arrived: the focus moves on to that.
    view.hidden = s.phase !== "vote" && !(s.summaryLoading && !view.hidden);
    if (view.hidden) return;
    if (drawVotes) { drawVotes(); return; }
    views().then(({ voteView }) => {
      drawVotes ??= voteView({ s, live, t, plural, formatDate, el, showError, promptOf, spentOn, outbox, schedule, noteOf });
      schedule();
    }, () => {});
  }

  // ---- the published summary ----

  function summary(announce) {
    const fetchId = ++s.fetches;
    const wanted = s.published && s.phase === "summary";
    s.summaryLoading = wanted && !s.summaryShown;
    if (!wanted) {
      $("summary-view").hidden = true;
      $("summary-body").replaceChildren();
      s.summaryShown = false;
      return;
    }
    views().then(({ showSummary }) => showSummary({ s, fetchId, announce, workshopId, token, say, t, schedule }),
      () => { if (fetchId === s.fetches) { s.summaryLoading = false; schedule(); } });
  }

  /** The session ended for good: no vote or summary view. */
  function end() {
    s.phase = null;
    summary(false);
    schedule();
  }

  return { welcome, event, ack, error, handles, end, render: schedule, state: s };
}
