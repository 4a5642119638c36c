// UI strings come from the page's <script type="application/json" id="i18n"> block,
// rendered by the server in the chosen language; scripts hold no UI text of their own.

function readJson(id) {
  const element = document.getElementById(id);
  if (!element) return {};
  try { return JSON.parse(element.textContent); } catch { return {}; }
}

const strings = readJson("i18n");

/** More strings, for views whose code (and text) loads later. */
export const addStrings = (more) => Object.assign(strings, more);

/** The string for `key` with {placeholders} filled in. */
export function t(key, params = {}) {
  const text = typeof strings[key] === "string" ? strings[key] : key;
  return fill(text, params);
}

/** A plural string: the block holds [singular, plural] with {n}; fi, sv and en have two forms. */
export function plural(key, n, params = {}) {
  const forms = Array.isArray(strings[key]) ? strings[key] : [key, key];
  return fill(n === 1 ? forms[0] : forms[1], { n, ...params });
}

/** The page's text for a server error code, else the fallback's: the server's message is English. */
export function errorText(code, fallback) {
  return t(typeof strings[`err.${code}`] === "string" ? `err.${code}` : fallback);
}

/** A YYYY-MM-DD date in the page's language; read as a local date (as UTC, it would be a day
 *  early west of Greenwich). English as the summaries write it: "31 Dec 2026", not US style. */
export function formatDate(iso) {
  const [y, m, d] = String(iso).split("-").map(Number);
  if (!d) return iso;
  const locale = document.documentElement.lang.replace(/^en$/, "en-GB");
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(y, m - 1, d));
}

/** A countdown as m:ss, or h:mm:ss from an hour up. */
export function formatTime(seconds) {
  const s = Math.max(0, seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

export { readJson };
