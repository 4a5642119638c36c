// The landing page: create a workshop (POST /api/workshops), or go to the join page by code.
const assets = JSON.parse(document.getElementById("assets").textContent);
const [{ t, readJson, errorText }, { setError, clearErrors, normaliseCode }] = await Promise.all([
  import(assets["i18n.js"]),
  import(assets["forms.js"]),
]);

const $ = (id) => document.getElementById(id);
const templates = readJson("templates");
const MAX_PROMPTS = 20;
const form = $("create-form");
const list = $("prompt-list");
let rowCounter = 0;
let edited = false; // the list holds prompts the user typed or changed

// ---- join by code ----

$("join-code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("join-code");
  clearErrors(event.target);
  const code = normaliseCode(input.value);
  if (!code) {
    setError(input, "join-code-error", t("err_code")).focus();
    return;
  }
  location.assign(`/j/${encodeURIComponent(code)}`);
});

// ---- prompts ----

function source() {
  return form.querySelector('input[name="prompt-source"]:checked').value;
}

function language() {
  return $("language").value;
}

function promptInputs() {
  return [...list.querySelectorAll("textarea")];
}

/** A prompt is one line (a heading on every screen and download): line breaks become spaces. */
const promptText = (input) => input.value.replace(/\s+/g, " ").trim();

function renumber() {
  [...list.children].forEach((row, index) => {
    row.querySelector("label").textContent = t("prompt_label", { n: index + 1 });
    row.querySelector("button").setAttribute("aria-label", t("remove_prompt", { n: index + 1 }));
  });
  $("add-prompt").disabled = list.children.length >= MAX_PROMPTS;
}

function addRow(text = "") {
  const id = `prompt-${++rowCounter}`;
  const row = document.createElement("li");
  const label = document.createElement("label");
  label.htmlFor = id;
  const line = document.createElement("div");
  line.className = "row";
  // Several lines, to read a long prompt whole on a phone.
  const input = document.createElement("textarea");
  input.rows = 2;
  input.id = id;
  input.name = "prompt";
  input.maxLength = 300;
  input.value = text;
  input.setAttribute("aria-describedby", "prompts-hint");
  input.addEventListener("input", () => { edited = true; });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "secondary small";
  remove.textContent = t("remove");
  remove.addEventListener("click", () => {
    edited = true;
    if (list.children.length === 1) {
      input.value = "";
      input.focus();
      return;
    }
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    next?.querySelector("textarea").focus();
  });
  line.append(input, remove);
  row.append(label, line);
  list.append(row);
  renumber();
  return input;
}

function setPrompts(texts) {
  list.replaceChildren();
  for (const text of texts.length ? texts : [""]) addRow(text);
  edited = false;
}

function templateTexts() {
  return templates[source()]?.[language()] || [];
}

// Per source, the prompts the user typed or changed, kept while another source is shown: going
// back to it brings them back. The focus stays on the radio button (arrow keys move through them).
const drafts = new Map();
let shownSource = source();
for (const radio of form.querySelectorAll('input[name="prompt-source"]')) {
  radio.addEventListener("change", () => {
    if (edited) drafts.set(shownSource, promptInputs().map((input) => input.value));
    shownSource = source();
    const draft = drafts.get(shownSource);
    setPrompts(draft || templateTexts());
    edited = Boolean(draft);
  });
}
$("language").addEventListener("change", () => {
  if (!edited) setPrompts(templateTexts());
});
$("add-prompt").addEventListener("click", () => {
  edited = true;
  if (list.children.length < MAX_PROMPTS) addRow("").focus();
});
setPrompts(templateTexts());

// ---- groups ----

function groupMode() {
  return form.querySelector('input[name="group-mode"]:checked').value;
}
for (const radio of form.querySelectorAll('input[name="group-mode"]')) {
  radio.addEventListener("change", () => {
    $("group-names-field").hidden = groupMode() !== "names";
    $("group-count-field").hidden = groupMode() !== "count";
  });
}

function groupNames() {
  return $("group-names").value.split(/[,\n]/).map((name) => name.trim()).filter(Boolean);
}

// ---- submit ----

function validate() {
  const problems = [];
  const title = $("title").value.trim();
  if (!title) problems.push(setError($("title"), "title-error", t("err_title")));
  else if (title.length > 200) problems.push(setError($("title"), "title-error", t("err_title_long")));

  const inputs = promptInputs();
  const prompts = inputs.map(promptText).filter(Boolean);
  const tooLong = inputs.find((input) => promptText(input).length > 300);
  if (!prompts.length) problems.push(setError(inputs[0], "prompts-error", t("err_prompts")));
  else if (prompts.length > MAX_PROMPTS) problems.push(setError(inputs[0], "prompts-error", t("err_prompts_many")));
  else if (tooLong) problems.push(setError(tooLong, "prompts-error", t("err_prompt_long")));

  let groups;
  if (groupMode() === "names") {
    groups = groupNames();
    const field = $("group-names");
    const folded = new Set(groups.map((name) => name.toLocaleLowerCase()));
    if (!groups.length) problems.push(setError(field, "group-names-error", t("err_group_names")));
    else if (groups.length > 100) problems.push(setError(field, "group-names-error", t("err_group_names_many")));
    else if (groups.some((name) => name.length > 80)) problems.push(setError(field, "group-names-error", t("err_group_name_long")));
    else if (folded.size !== groups.length) problems.push(setError(field, "group-names-error", t("err_group_names_same")));
  } else {
    groups = Number($("group-count").value);
    if (!Number.isInteger(groups) || groups < 1 || groups > 100) {
      problems.push(setError($("group-count"), "group-count-error", t("err_group_count")));
    }
  }

  const keyField = $("organiser-key-field");
  const key = $("organiser-key").value.trim();
  if (!keyField.hidden && !key) problems.push(setError($("organiser-key"), "organiser-key-error", t("err_key")));

  const body = { title, language: language(), prompts, groups, group_choice: $("group-choice").checked };
  return { problems, body, key: keyField.hidden ? null : key };
}

function formError(message) {
  const box = $("create-error");
  box.textContent = message;
  box.hidden = false;
  return box;
}

/** A 400: its (English) message names the field, which is all it is read for; what is shown
 *  comes from the page, chosen by the error code. */
function serverFieldError({ code, message } = {}) {
  const about = String(message || "");
  const tooLong = code === "too_long";
  if (/^title/i.test(about)) return setError($("title"), "title-error", t(tooLong ? "err_title_long" : "err_title"));
  if (/prompt/i.test(about)) return setError(promptInputs()[0], "prompts-error", t(tooLong ? "err_prompt_long" : "err_prompts_server"));
  if (/group/i.test(about) && groupMode() === "names") {
    return setError($("group-names"), "group-names-error", t(tooLong ? "err_group_name_long" : "err_groups_server"));
  }
  if (/group/i.test(about)) return setError($("group-count"), "group-count-error", t("err_groups_server"));
  return formError(t("err_server"));
}

let busy = false;
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  clearErrors(form);
  const { problems, body, key } = validate();
  if (problems.length) {
    problems[0].focus();
    return;
  }
  busy = true;
  const submit = $("create-submit");
  const label = submit.textContent;
  submit.textContent = t("creating");
  submit.setAttribute("aria-disabled", "true");
  try {
    const headers = { "Content-Type": "application/json" };
    if (key) headers.Authorization = `Bearer ${key}`;
    let response;
    try {
      response = await fetch("/api/workshops", { method: "POST", headers, body: JSON.stringify(body) });
    } catch {
      formError(t("err_network")).focus();
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status === 201) {
      location.assign(answer.dashboard_url);
      return;
    }
    if (response.status === 401) {
      const field = $("organiser-key-field");
      const wasShown = !field.hidden;
      field.hidden = false;
      setError($("organiser-key"), "organiser-key-error", wasShown && key ? t("err_key_wrong") : t("err_key")).focus();
      return;
    }
    if (response.status === 400) {
      serverFieldError(answer.error).focus();
      return;
    }
    formError(errorText(answer.error?.code, "err_server")).focus();
  } finally {
    busy = false;
    submit.textContent = label;
    submit.removeAttribute("aria-disabled");
  }
});
