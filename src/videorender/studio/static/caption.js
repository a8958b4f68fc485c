// The caption-a-video form: upload the video (or give its URL), pick a style, POST /caption-video.
"use strict";

const byId = (id) => document.getElementById(id);

function showError(field, message) {
  const box = byId(`${field}-error`) || byId("form-error");
  box.textContent = message;
  box.hidden = false;
}

function clearErrors() {
  for (const box of document.querySelectorAll(".error")) box.hidden = true;
}

function uploadVideo() {
  clearErrors();
  const chosen = byId("video_file").files[0];
  if (!chosen) return;
  const form = new FormData();
  form.append("kind", "base_video");
  form.append("file", chosen, chosen.name);
  const request = new XMLHttpRequest();
  const bar = byId("video_progress");
  const button = byId("render");
  request.open("POST", "/uploads");
  for (const [name, value] of Object.entries(studio.headers())) request.setRequestHeader(name, value);
  bar.hidden = false;
  button.disabled = true;
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
  };
  request.onloadend = () => {
    bar.hidden = true;
    button.disabled = false;
    let body = null;
    try {
      body = JSON.parse(request.responseText);
    } catch (err) {
      body = null;
    }
    if (request.status === 201 || request.status === 200) {
      byId("video_upload").value = body.url;
      byId("video_state").textContent = `Uploaded ${chosen.name}`;
      return;
    }
    byId("video_file").value = "";
    showError("video", request.status === 0 ? "the upload did not reach the service"
      : studio.problems(body)[0].message);
  };
  request.send(form);
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const video = byId("video_upload").value || byId("video_url").value.trim();
  if (!video) {
    showError("video", "choose a video to upload or give its URL.");
    return;
  }
  const body = {
    video_url: video,
    subtitle_style: byId("caption_style").value,
    burn: byId("burn").checked,
  };
  const language = byId("language").value.trim();
  if (language) body.language = language;
  const button = byId("render");
  button.disabled = true;
  button.textContent = "Starting…";
  const answer = await studio.api("/caption-video", { method: "POST", json: body });
  if (answer.ok) {
    window.location.href = `/studio/jobs/${answer.body.job_id}`;
    return;
  }
  button.disabled = false;
  button.textContent = "Render";
  for (const problem of studio.problems(answer.body)) {
    const field = (problem.field || "").replace(/_url$/, "");
    showError(byId(`${field}-error`) ? field : "form", problem.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  byId("video_file").addEventListener("change", uploadVideo);
  byId("caption-video").addEventListener("submit", submit);
});
