// The join page: code, optional name, group (when the facilitator lets people choose).
const assets = JSON.parse(document.getElementById("assets").textContent);
const [{ t, readJson }, { setError, clearErrors, normaliseCode }] = await Promise.all([
  import(assets["i18n.js"]),
  import(assets["forms.js"]),
]);

const $ = (id) => document.getElementById(id);
const data = readJson("join-data");
const form = $("join-form");
const storageKey = (workshopId) => `talkoot:participant:${workshopId}`;

function stored(workshopId) {
  try { return JSON.parse(localStorage.getItem(storageKey(workshopId)) || "null"); } catch { return null; }
}

if (data.workshop_id && stored(data.workshop_id)?.participant_token) $("continue-box").hidden = false;


let busy = false;
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  clearErrors(form);
  const codeField = $("code");
  const code = normaliseCode(codeField.value);
  if (!code) { setError(codeField, "code-error", t("err_code")).focus(); return; }
  if (!data.workshop_id || code !== data.code) {
    location.assign(`/j/${encodeURIComponent(code)}`); // the join page of that code (its groups)
    return;
  }
  const problems = [];
  const name = $("name").value.trim();
  if (name.length > 60) problems.push(setError($("name"), "name-error", t("err_name_long")));
  let groupId = null;
  if (data.group_choice) {
    const chosen = form.querySelector('input[name="group"]:checked');
    if (chosen) groupId = Number(chosen.value);
    else problems.push(setError(form.querySelector('input[name="group"]'), "group-error", t("err_group")));
  }
  if (problems.length) { problems[0].focus(); return; }

  busy = true;
  const submit = $("join-submit");
  const label = submit.textContent;
  submit.textContent = t("joining");
  try {
    const body = { code };
    if (name) body.name = name;
    if (groupId) body.group_id = groupId;
    let response;
    try {
      response = await fetch("/api/join", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    } catch {
      setError(null, "join-error", t("err_network")).focus();
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status === 201) {
      const { participant_token, participant_id, group_id, workshop_id } = answer;
      try {
        localStorage.setItem(storageKey(workshop_id), JSON.stringify({ participant_token, participant_id, group_id, workshop_id }));
      } catch { /* the board will say it has no token */ }
      location.assign(`/w/${encodeURIComponent(workshop_id)}`);
      return;
    }
    if (response.status === 404 && /group/.test(answer.error?.message || "")) {
      setError(form.querySelector('input[name="group"]'), "group-error", t("err_group")).focus();
    } else if (response.status === 404) {
      setError(codeField, "code-error", t("err_unknown_code")).focus();
    } else if (response.status === 429) {
      setError(null, "join-error", t("err_busy")).focus();
    } else if (response.status === 400 && /name/.test(answer.error?.message || "")) {
      setError($("name"), "name-error", t("err_name_long")).focus();
    } else {
      setError(null, "join-error", t("err_server")).focus();
    }
  } finally {
    busy = false;
    submit.textContent = label;
  }
});
