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
