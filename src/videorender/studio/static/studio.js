// Shared by every studio page: calls to the service's API with the session's CSRF token.
"use strict";

// The theme: the system's (prefers-color-scheme) unless the person chose light or dark with
// the switch; set before the page is drawn (this file loads in <head>, without defer).
const THEMES = ["system", "light", "dark"];
function savedTheme() {
  try {
    const theme = window.localStorage.getItem("studio-theme");
    return THEMES.includes(theme) ? theme : "system";
  } catch (err) {
    return "system";
  }
}
function applyTheme(theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
applyTheme(savedTheme());

const studio = {
  csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  },

  headers(extra) {
    const headers = Object.assign({}, extra || {});
    const token = studio.csrf();
    if (token) headers["X-CSRF-Token"] = token;
    return headers;
  },

  // fetch() against the API; resolves to {ok, status, body} and never throws on HTTP errors.
  async api(path, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = studio.headers(opts.headers);
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    let response;
    try {
      response = await fetch(path, opts);
    } catch (err) {
      return { ok: false, status: 0, body: { detail: "The service did not answer: is it running?" } };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = null;
    }
    return { ok: response.ok, status: response.status, body };
  },

  // Plain-words messages out of an API error body: [{field, message}].
  problems(body) {
    if (!body) return [{ field: null, message: "Something went wrong; please try again." }];
    if (Array.isArray(body.detail)) {
      return body.detail.map((p) => ({ field: p.field || null, message: p.msg || String(p) }));
    }
    return [{ field: body.field || null, message: String(body.detail || "Something went wrong.") }];
  },
};

document.addEventListener("DOMContentLoaded", () => {
  const themeSwitch = document.getElementById("theme-switch");
  if (themeSwitch) {
    const label = (theme) => `Theme: ${theme}`;
    themeSwitch.textContent = label(savedTheme());
    themeSwitch.addEventListener("click", () => {
      const next = THEMES[(THEMES.indexOf(savedTheme()) + 1) % THEMES.length];
      try {
        window.localStorage.setItem("studio-theme", next);
      } catch (err) {
        // private browsing: the choice lasts for this page only
      }
      applyTheme(next);
      themeSwitch.textContent = label(next);
    });
  }
  // Forms that post to the studio with the session (sign out) carry the CSRF header.
  for (const form of document.querySelectorAll("form[data-csrf-form]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await studio.api(form.action, { method: "POST" });
      window.location.href = "/studio/login";
    });
  }
});

// Delete (the job page and the Jobs list): asks once, then DELETE /jobs/{id}.
document.addEventListener("DOMContentLoaded", () => {
  const state = document.getElementById("jobs-state");
  if (state && new URLSearchParams(window.location.search).has("deleted")) {
    state.textContent = "Deleted the job and its files.";
  }
  for (const box of document.querySelectorAll("[data-delete-job]")) {
    const ask = box.querySelector("[data-delete-ask]");
    const confirm = box.querySelector("[data-delete-confirm]");
    const error = box.querySelector("[data-delete-error]");
    ask.addEventListener("click", () => {
      ask.hidden = true;
      confirm.hidden = false;
      box.querySelector("[data-delete-no]").focus();
    });
    box.querySelector("[data-delete-no]").addEventListener("click", () => {
      confirm.hidden = true;
      ask.hidden = false;
      ask.focus();
    });
    box.querySelector("[data-delete-yes]").addEventListener("click", async () => {
      const jobId = box.dataset.deleteJob;
      const answer = await studio.api(`/jobs/${jobId}`, { method: "DELETE" });
      if (answer.status !== 204) {
        error.hidden = false;
        error.textContent = studio.problems(answer.body)[0].message;
        return;
      }
      const row = document.querySelector(`[data-job-row="${jobId}"]`);
      if (!row) {
        window.location.href = "/studio/jobs?deleted=1";
        return;
      }
      row.remove();
      const state = document.getElementById("jobs-state");
      if (state) state.textContent = "Deleted the job and its files.";
    });
  }
});
