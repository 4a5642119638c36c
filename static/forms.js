// Forms: errors shown next to their fields (and tied to them for screen readers), join codes.

/** Show `message` in the element `errorId` and mark `field` invalid, pointing it at the message. */
export function setError(field, errorId, message) {
  const error = document.getElementById(errorId);
  error.textContent = message;
  error.hidden = false;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(errorId)) field.setAttribute("aria-describedby", [...described, errorId].join(" "));
  }
  return field || error;
}

export function clearErrors(scope) {
  for (const error of scope.querySelectorAll(".field-error, .form-error")) {
    error.hidden = true;
    error.textContent = "";
  }
  for (const field of scope.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

/** What people type for a code (lower case, spaces, dashes) as the server matches it. */
export function normaliseCode(raw) {
  return raw.toUpperCase().replace(/[^0-9A-Z]/g, "");
}
