// Shared by every studio page: calls to the service's API with the session's CSRF token.
"use strict";

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
  // Forms that post to the studio with the session (sign out) carry the CSRF header.
  for (const form of document.querySelectorAll("form[data-csrf-form]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await studio.api(form.action, { method: "POST" });
      window.location.href = "/studio/login";
    });
  }
});
