// The form that edits one of the participant's own notes, imported by board.js the first time
// someone edits, so that a phone that never edits never loads it.

/** The edit form for `note`, showing `text`; `close` ends editing (saved or not). */
export function editForm(note, text, { t, el, send, maxChars, wellFormed, close }) {
  const id = `edit-${note.id}`;
  const textarea = el("textarea", { id, rows: 3, maxLength: maxChars, value: text, "aria-describedby": `${id}-error` });
  const error = el("p", { id: `${id}-error`, class: "field-error", hidden: true });
  const form = el("form", { class: "edit-form", novalidate: true },
    el("label", { for: id }, t("edit_note")), textarea, error,
    el("div", { class: "form-row" },
      el("button", { type: "submit", class: "small" }, t("save")),
      el("button", { type: "button", class: "small secondary", onclick: close }, t("cancel"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = wellFormed(textarea.value);
    if (!value) { error.textContent = t("err.empty"); error.hidden = false; textarea.focus(); return; }
    if (value !== note.text) send("note.edit", { note_id: note.id, text: value });
    close();
  });
  textarea.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  return form;
}
