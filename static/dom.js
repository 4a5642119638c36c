// Building DOM nodes without HTML strings: user text can only ever become text.

/** Build an element; strings among the children become text nodes (never HTML). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key in node && !key.includes("-")) node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** Tell a screen reader, through #announcer (emptied first: the same words are read again). */
export function say(message) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 50);
}

/** Set an attribute, or remove it when `value` is null. */
export function setAttr(node, name, value) {
  if (value === null) node.removeAttribute(name); else node.setAttribute(name, value);
}

/** When a re-render in `root` hides or removes the focused element, focus the heading (tabindex=-1)
 *  of its region (a `regions` element) if still shown, else of the first one shown, else
 *  #`fallback` until one shows: not <body>. */
export function keepFocus(root, regions, fallback) {
  const shown = (node) => node?.isConnected && node.getClientRects().length > 0;
  let last = null;
  let region = null;
  document.addEventListener("focusin", ({ target }) => { if (target.id !== fallback) { last = target; region = last.closest(regions); } });
  new MutationObserver(() => {
    const active = document.activeElement;
    if (!last || shown(last) || (active !== document.body && active !== last && active.id !== fallback)) return;
    const next = [region, ...root.querySelectorAll(regions)].find(shown);
    document.getElementById(next ? next.getAttribute("aria-labelledby") : fallback)?.focus();
  }).observe(root, { subtree: true, childList: true, attributeFilter: ["hidden"] });
}

/** Destructive buttons ask twice: the first press arms `ui.confirming` for 5 s (re-rendering
 *  so the button reads "Really delete?"), a second press within that time confirms. */
export function confirmedTwice(ui, id, rerender) {
  if (ui.confirming === id) {
    ui.confirming = null;
    return true;
  }
  ui.confirming = id;
  rerender();
  setTimeout(() => { if (ui.confirming === id) { ui.confirming = null; rerender(); } }, 5000);
  return false;
}
