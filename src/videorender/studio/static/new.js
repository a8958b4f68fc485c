// The new-video form: word count, uploads with progress, voices and their samples, the caption
// preview, and Render (POST /render), with errors shown beside the field they name.
"use strict";

const WORDS_PER_SECOND = 2.5; // about 150 words a minute, the pace of the bundled voices
const SAMPLE_SENTENCE = "Hello! This is how I sound in your videos.";
const PREVIEW_LONG_SIDE = 480;
const FIELD_CONTROLS = {
  script: "script",
  base_video_url: "base_video",
  bgm_url: "music",
  file: null,
  size: "size",
  subtitle_style: "caption_style",
  captions: "caption_style",
  music_volume: "music_volume",
  tts_provider: "voice",
  speaker: "voice",
  language: "voice",
};
const FIELD_LABELS = {
  script: "Script",
  base_video: "Base video",
  music: "Music",
  size: "Size",
  caption_style: "Caption style",
  voice: "Voice",
  music_volume: "Music volume",
  scene: "Scene",
};

function $(id) {
  return document.getElementById(id);
}

function describeSeconds(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

function countWords() {
  const words = $("script").value.trim().split(/\s+/).filter(Boolean).length;
  const seconds = words / WORDS_PER_SECOND;
  $("script-count").textContent =
    `${words} word${words === 1 ? "" : "s"} · about ${describeSeconds(seconds)} of narration`;
}

function showError(control, message) {
  const error = $(`${control}-error`);
  const target = ["base_video", "music", "scene"].includes(control)
    ? $(`${control}_file`)
    : $(control);
  if (error) {
    error.hidden = false;
    error.textContent = `${FIELD_LABELS[control]}: ${message}`;
  }
  if (target) target.setAttribute("aria-invalid", "true");
}

function clearErrors() {
  for (const error of document.querySelectorAll("#new-video .error")) {
    error.hidden = true;
    error.textContent = "";
  }
  for (const control of document.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
}

function controlOf(field) {
  if (!field) return null;
  if (field.startsWith("scenes")) return "script";
  const head = field.split(".")[0];
  return FIELD_CONTROLS[field] || FIELD_CONTROLS[head] || null;
}

function showProblems(body) {
  const summary = $("form-error");
  const loose = [];
  let first = null;
  for (const problem of studio.problems(body)) {
    const control = controlOf(problem.field);
    if (control) {
      showError(control, problem.message);
      first = first || control;
    } else {
      loose.push(problem.message);
    }
  }
  if (loose.length) {
    summary.hidden = false;
    summary.textContent = loose.join(" ");
  }
  const focus = first === "base_video" || first === "music" ? `${first}_url` : first;
  if (focus && $(focus)) $(focus).focus();
  else if (loose.length) summary.focus();
}

// --- media: upload (with progress) or URL --------------------------------------------------

function setupMedia(fieldset) {
  const key = fieldset.dataset.media;
  const kind = fieldset.dataset.kind;
  const file = $(`${key}_file`);
  const hidden = $(`${key}_upload`);
  const bar = $(`${key}_progress`);
  const state = $(`${key}_state`);
  const clear = fieldset.querySelector("[data-clear]");
  const nothing = state.textContent;

  clear.addEventListener("click", () => {
    hidden.value = "";
    file.value = "";
    clear.hidden = true;
    state.textContent = nothing;
  });

  file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (!chosen) return;
    clearErrors();
    state.textContent = `Uploading ${chosen.name}…`;
    upload(chosen, kind, bar, $("render"), (status, body) => {
      if (status === 201 && body) {
        hidden.value = body.url;
        clear.hidden = false;
        state.textContent = `Uploaded ${chosen.name} · ${body.duration_seconds.toFixed(1)} s`;
        return;
      }
      file.value = "";
      state.textContent = nothing;
      showError(key, uploadProblem(status, body));
    });
  });
}

function mediaValue(key) {
  const uploaded = $(`${key}_upload`).value;
  const url = $(`${key}_url`).value.trim();
  return uploaded || url || null;
}

// --- scenes: a marker line `![](URL){motion=... transition=...}` inserted at the cursor -----

const SCENE_HINT = "JPEG, PNG or WebP image, or a video clip.";
let sceneUpload = null; // {url, image} of the file uploaded for the next marker

function toggleScenePanel(open) {
  $("scene-panel").hidden = !open;
  $("add-scene").setAttribute("aria-expanded", String(open));
  if (open) $("scene_file").focus();
}

function resetScene() {
  sceneUpload = null;
  $("scene_file").value = "";
  $("scene_url").value = "";
  $("scene_state").textContent = SCENE_HINT;
  $("scene_motion_field").hidden = false;
}

function uploadScene() {
  const chosen = $("scene_file").files[0];
  if (!chosen) return;
  clearErrors();
  sceneUpload = null;
  const state = $("scene_state");
  state.textContent = `Uploading ${chosen.name}…`;
  upload(chosen, "scene", $("scene_progress"), $("insert-scene"), (status, body) => {
    if (status === 201 && body) {
      const image = body.duration_seconds === 0;
      sceneUpload = { url: body.url, image };
      $("scene_motion_field").hidden = !image; // a clip plays as it is
      state.textContent = image
        ? `Uploaded ${chosen.name} · an image`
        : `Uploaded ${chosen.name} · ${body.duration_seconds.toFixed(1)} s clip`;
      return;
    }
    $("scene_file").value = "";
    state.textContent = SCENE_HINT;
    showError("scene", uploadProblem(status, body));
  });
}

// POST /uploads with a progress bar; `busy` (a button) is disabled meanwhile. `done` gets the
// HTTP status (0: the service was not reached) and the JSON body, or null.
function upload(chosen, kind, bar, busy, done) {
  const form = new FormData();
  form.append("kind", kind);
  form.append("file", chosen, chosen.name);
  const request = new XMLHttpRequest();
  request.open("POST", "/uploads");
  for (const [name, value] of Object.entries(studio.headers())) request.setRequestHeader(name, value);
  bar.hidden = false;
  bar.value = 0;
  busy.disabled = true;
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
  };
  request.onloadend = () => {
    busy.disabled = false;
    bar.hidden = true;
    let body = null;
    try {
      body = JSON.parse(request.responseText);
    } catch (err) {
      body = null;
    }
    done(request.status, body);
  };
  request.send(form);
}

function uploadProblem(status, body) {
  if (status === 0) return "the upload did not reach the service";
  if (status === 413) return "the file is over the service's size limit";
  return studio.problems(body)[0].message;
}

function insertScene() {
  clearErrors();
  const url = sceneUpload ? sceneUpload.url : $("scene_url").value.trim();
  if (!url) {
    showError("scene", "choose a file to upload or give its URL.");
    $("scene_file").focus();
    return;
  }
  if (!/^(https?|s3|upload):\/\/\S+$/i.test(url)) {
    showError("scene", "the URL must start with http://, https:// or s3://.");
    $("scene_url").focus();
    return;
  }
  const options = [];
  if (!$("scene_motion_field").hidden) options.push(`motion=${$("scene_motion").value}`);
  if ($("scene_transition").value !== "cut") options.push(`transition=${$("scene_transition").value}`);
  const marker = `![](${url})${options.length ? `{${options.join(" ")}}` : ""}`;
  const script = $("script");
  const start = script.selectionStart;
  const before = script.value.slice(0, start);
  const after = script.value.slice(script.selectionEnd);
  const lead = before && !before.endsWith("\n") ? "\n" : "";
  const tail = after.startsWith("\n") ? "" : "\n";
  script.value = `${before}${lead}${marker}${tail}${after}`;
  const cursor = before.length + lead.length + marker.length + tail.length;
  script.focus();
  script.setSelectionRange(cursor, cursor);
  countWords();
  resetScene();
  toggleScenePanel(false);
  script.focus();
}

// --- voice ---------------------------------------------------------------------------------

async function loadVoices() {
  const select = $("voice");
  const chosen = select.value;
  const answer = await studio.api("/voices");
  if (!answer.ok || !answer.body || !Array.isArray(answer.body.voices)) return; // default only
  const groups = new Map(); // GET /voices comes grouped by language: one <optgroup> each
  for (const voice of answer.body.voices) {
    const value = `${voice.engine}|${voice.speaker}|${voice.language || ""}`;
    let option = [...select.options].find((o) => o.value === value);
    if (!option) {
      const language = voice.language ? ` · ${voice.language}` : "";
      const marked = voice.default ? " (default)" : "";
      const name = voice.label ? `${voice.label} — ` : "";
      option = new Option(`${name}${voice.speaker} · ${voice.engine}${language}${marked}`, value);
      const groupName = voice.language_name || voice.language || "Other";
      if (!groups.has(groupName)) {
        const group = document.createElement("optgroup");
        group.label = groupName;
        select.append(group);
        groups.set(groupName, group);
      }
      groups.get(groupName).append(option);
    }
    if (value === chosen) option.selected = true;
  }
}

// No `language`: the service takes the voice's, or the script's own where the script is
// written otherwise (a Japanese Kokoro voice reads an English script as English).
function voiceFields() {
  const [engine, speaker] = $("voice").value.split("|");
  const fields = {};
  if (engine) fields.tts_provider = engine;
  if (speaker) fields.speaker = speaker;
  return fields;
}

async function playSample() {
  const button = $("play-sample");
  const state = $("voice-state");
  clearErrors();
  button.disabled = true;
  state.textContent = "Speaking a sample…";
  const answer = await studio.api("/voiceover", {
    method: "POST",
    json: Object.assign({ script: SAMPLE_SENTENCE }, voiceFields()),
  });
  button.disabled = false;
  if (!answer.ok || !answer.body.voice_url) {
    state.textContent = "";
    showError("voice", studio.problems(answer.body)[0].message);
    return;
  }
  const audio = $("sample");
  audio.src = answer.body.voice_url;
  state.textContent = "Playing the sample.";
  try {
    await audio.play();
  } catch (err) {
    state.textContent = "The sample is ready, but the browser would not play it.";
  }
}

// --- captions ------------------------------------------------------------------------------

function changedColors() {
  const colors = {};
  for (const id of ["text_color", "highlight_color", "outline_color"]) {
    const input = $(id);
    if (input.value.toLowerCase() !== input.dataset.default) colors[id] = input.value;
  }
  return colors;
}

function previewSize() {
  const [width, height] = $("size").value.split("x").map(Number);
  const scale = PREVIEW_LONG_SIDE / Math.max(width, height);
  const even = (n) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return [even(width), even(height)];
}

let previewTimer = null;
function updatePreview() {
  window.clearTimeout(previewTimer);
  previewTimer = window.setTimeout(() => {
    const [width, height] = previewSize();
    const query = new URLSearchParams({ style: $("caption_style").value, size: `${width}x${height}` });
    for (const [name, value] of Object.entries(changedColors())) query.set(name, value);
    const img = $("preview");
    img.width = width;
    img.height = height;
    img.src = `/studio/preview.png?${query}`;
  }, 120);
}

// --- render --------------------------------------------------------------------------------

async function render(event) {
  event.preventDefault();
  clearErrors();
  $("form-error").hidden = true;
  const script = $("script").value.trim();
  if (!script) {
    showError("script", "write something for the narrator to say.");
    $("script").focus();
    return;
  }
  const body = Object.assign(
    { script, size: $("size").value, subtitle_style: $("caption_style").value },
    voiceFields(),
  );
  const base = mediaValue("base_video");
  const music = mediaValue("music");
  if (base) body.base_video_url = base;
  if (music) {
    body.bgm_url = music;
    body.music_volume = Number($("music_volume").value) / 100;
  }
  const colors = changedColors();
  if (Object.keys(colors).length) body.captions = colors;
  const button = $("render");
  button.disabled = true;
  button.textContent = "Starting…";
  const answer = await studio.api("/render", { method: "POST", json: body });
  if (answer.ok) {
    window.location.href = `/studio/jobs/${answer.body.job_id}`;
    return;
  }
  button.disabled = false;
  button.textContent = "Render";
  showProblems(answer.body);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = $("new-video");
  if (!form) return;
  $("script").addEventListener("input", countWords);
  $("music_volume").addEventListener("input", () => {
    $("music_volume-state").textContent = `${$("music_volume").value} %`;
  });
  countWords();
  for (const fieldset of form.querySelectorAll("fieldset[data-media]")) setupMedia(fieldset);
  $("play-sample").addEventListener("click", playSample);
  $("add-scene").addEventListener("click", () => toggleScenePanel($("scene-panel").hidden));
  $("cancel-scene").addEventListener("click", () => {
    resetScene();
    toggleScenePanel(false);
    $("add-scene").focus();
  });
  $("scene_file").addEventListener("change", uploadScene);
  $("insert-scene").addEventListener("click", insertScene);
  for (const id of ["caption_style", "size", "text_color", "highlight_color", "outline_color"]) {
    $(id).addEventListener("input", updatePreview);
    $(id).addEventListener("change", updatePreview);
  }
  updatePreview();
  form.addEventListener("submit", render);
  loadVoices();
});
