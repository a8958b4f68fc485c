// The new-video form: the script and its scene cards, uploads (pickers and drops anywhere),
// voices and their samples, the caption preview over the video's own first picture, the
// render-time estimate, and Render / Quick draft (POST /render), with every error shown
// beside the field it names.
"use strict";

const WORDS_PER_SECOND = 2.5; // about 150 words a minute, the pace of the bundled voices
const SAMPLE_SENTENCE = "Hello! This is how I sound in your videos.";
const SAMPLE_SECONDS = { piper: 3, kokoro: 12 }; // about how long a sample takes to speak
const SLOW_ENGINES = new Set(["kokoro"]);
const PREVIEW_LONG_SIDE = 480;
const DRAFTS = { landscape: "320x180", portrait: "360x640", square: "360x360" };
const FIELD_CONTROLS = {
  script: "script",
  scenes: "script",
  base_video_url: "base_video",
  bgm_url: "music",
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
  scene: "Scenes",
};
const URL_CONTROLS = { base_video: "base_video_url", music: "music_url", scene: "scene_url" };

let cards = null; // SceneCards

function $(id) {
  return document.getElementById(id);
}

function describeSeconds(seconds) {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

// Only spoken words count: marker lines are not said.
function spokenWords() {
  const model = scenes.parse($("script").value);
  const text = [model.lead, ...model.list.map((s) => s.text)].join(" ");
  return text.split(/\s+/).filter(Boolean).length;
}

function countWords() {
  const words = spokenWords();
  $("script-count").textContent =
    `${words} word${words === 1 ? "" : "s"} · about ${describeSeconds(words / WORDS_PER_SECOND)} of narration`;
  updateEstimate();
}

function updateEstimate() {
  const option = $("size").selectedOptions[0];
  const rate = option ? Number(option.dataset.secondsPerSecond) : 0;
  const estimate = $("estimate");
  if (!rate) return;
  const seconds = (spokenWords() / WORDS_PER_SECOND) * rate;
  const jobs = estimate.dataset.samples;
  estimate.textContent =
    `Render time: about ${describeSeconds(seconds)} on this machine (measured on its last ${jobs} video${jobs === "1" ? "" : "s"}).`;
}

// --- errors, beside the field they name --------------------------------------------------

function showError(control, message) {
  const error = $(`${control}-error`);
  const targets = {
    base_video: ["base_video_file", "base_video_url"],
    music: ["music_file", "music_url"],
    scene: ["scene_files"],
  }[control] || [control];
  if (error) {
    error.hidden = false;
    error.textContent = message.startsWith(`${FIELD_LABELS[control]}: `) || /^Scene \d/.test(message)
      ? message
      : `${FIELD_LABELS[control]}: ${message}`;
  }
  for (const target of targets) if ($(target)) $(target).setAttribute("aria-invalid", "true");
}

function clearErrors() {
  for (const error of document.querySelectorAll("#new-video .error")) {
    error.hidden = true;
    error.textContent = "";
  }
  for (const control of document.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
  for (const card of document.querySelectorAll(".scene-card.invalid")) card.classList.remove("invalid");
}

function controlOf(field) {
  if (!field) return null;
  const head = field.split(/[.[]/)[0];
  return FIELD_CONTROLS[field] || FIELD_CONTROLS[head] || null;
}

// `scenes[0].motion: ...` as a person reads it: "Scene 1 (harbour.jpg): ...".
function humane(message, field) {
  const model = scenes.parse($("script").value);
  const where = /scenes\[(\d+)\](?:\.\w+)*: /.exec(message) || /scenes\[(\d+)\]/.exec(field || "");
  if (!where) return { message, scene: null };
  const number = Number(where[1]);
  if (/^Scene \d+/.test(message)) return { message, scene: number }; // worded by the service
  const text = message.replace(/^(Value error, )?/, "").replace(/scenes\[\d+\](\.\w+)*: /, "");
  return { message: `${scenes.name(model, number)}: ${text}`, scene: number };
}

function showProblems(body) {
  const summary = $("form-error");
  const loose = [];
  let first = null;
  for (const problem of studio.problems(body)) {
    const control = controlOf(problem.field);
    const { message, scene } = humane(problem.message, problem.field);
    if (scene !== null) {
      const card = $("scene-cards").children[scene];
      if (card) card.classList.add("invalid");
    }
    if (control) {
      showError(control, message);
      first = first || control;
    } else {
      loose.push(message);
    }
  }
  if (loose.length) {
    summary.hidden = false;
    summary.textContent = loose.join(" ");
  }
  const focus = URL_CONTROLS[first] || first;
  if (focus && $(focus)) $(focus).focus();
  else if (loose.length) summary.focus();
}

// --- addresses the service could not fetch: refused here, with the hint to upload ----------

const PRIVATE_V4 = [/^127\./, /^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

function refusedAddress(text) {
  let url;
  try {
    url = new URL(text);
  } catch (err) {
    return null; // the service names a malformed URL itself
  }
  if (!["http:", "https:"].includes(url.protocol)) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (url.host === window.location.host) {
    return "that is an address of this service itself, which it does not fetch from";
  }
  if ($("new-video").dataset.allowPrivate === "true") return null;
  const local =
    host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") ||
    PRIVATE_V4.some((range) => range.test(host)) ||
    host === "::1" || host === "::" || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
  return local ? "that address is on this computer or a private network, which the service may not fetch from" : null;
}

function checkAddress(control, url) {
  const reason = refusedAddress(url);
  if (!reason) return true;
  showError(control, `${reason}; upload the file instead (Choose a file, or drop it here).`);
  return false;
}

// --- uploads -----------------------------------------------------------------------------

// POST /uploads with a progress bar; `busy` (buttons) are disabled meanwhile. Resolves to
// {status (0: the service was not reached), body (JSON or null)}.
function upload(chosen, kind, bar, busy) {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append("kind", kind);
    form.append("file", chosen, chosen.name);
    const request = new XMLHttpRequest();
    request.open("POST", "/uploads");
    for (const [name, value] of Object.entries(studio.headers())) request.setRequestHeader(name, value);
    bar.hidden = false;
    bar.value = 0;
    for (const b of busy) b.disabled = true;
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    };
    request.onloadend = () => {
      for (const b of busy) b.disabled = false;
      bar.hidden = true;
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch (err) {
        body = null;
      }
      resolve({ status: request.status, body });
    };
    request.send(form);
  });
}

function uploadProblem(status, body) {
  if (status === 0) return "the upload did not reach the service";
  if (status === 413) return "the file is over the service's size limit";
  return studio.problems(body)[0].message;
}

function renderButtons() {
  return [$("render"), $("quick-draft")];
}

function setupMedia(fieldset) {
  const key = fieldset.dataset.media;
  const kind = fieldset.dataset.kind;
  const file = $(`${key}_file`);
  const hidden = $(`${key}_upload`);
  const state = $(`${key}_state`);
  const clear = fieldset.querySelector("[data-clear]");
  const nothing = state.dataset.nothing;

  clear.addEventListener("click", () => {
    hidden.value = "";
    file.value = "";
    clear.hidden = true;
    state.textContent = nothing;
    updatePreview();
  });

  const take = async (chosen) => {
    clearErrors();
    state.textContent = `Uploading ${chosen.name}…`;
    const { status, body } = await upload(chosen, kind, $(`${key}_progress`), renderButtons());
    if (status === 201 && body) {
      hidden.value = body.url;
      clear.hidden = false;
      state.textContent = `Uploaded ${chosen.name} · ${body.duration_seconds.toFixed(1)} s`;
      updatePreview();
      return;
    }
    file.value = "";
    state.textContent = nothing;
    showError(key, uploadProblem(status, body));
  };
  file.addEventListener("change", () => {
    if (file.files[0]) take(file.files[0]);
  });
  fieldset.take = take;
}

function mediaValue(key) {
  const uploaded = $(`${key}_upload`).value;
  const url = $(`${key}_url`).value.trim();
  return uploaded || url || null;
}

// --- scenes ------------------------------------------------------------------------------

async function addScenes(files) {
  clearErrors();
  const chosen = [...files];
  if (!chosen.length) return;
  const state = $("scenes-state");
  const markers = [];
  const failed = [];
  for (const [n, file] of chosen.entries()) {
    state.textContent = `Uploading ${n + 1} of ${chosen.length}: ${file.name}…`;
    const { status, body } = await upload(file, "scene", $("scenes_progress"), [...renderButtons(), $("scene_files")]);
    if (status === 201 && body) {
      markers.push(scenes.marker({ label: file.name, url: body.url, options: new Map() }));
    } else {
      failed.push(`${file.name}: ${uploadProblem(status, body)}`);
    }
  }
  $("scene_files").value = "";
  if (failed.length) showError("scene", failed.join(" "));
  if (markers.length) await spread(markers);
  state.textContent = markers.length
    ? `Added ${markers.length} scene${markers.length === 1 ? "" : "s"}. Move them, or change their words in the script.`
    : "No scene was added.";
}

// New markers, spread with the script's sentences over every scene (POST /studio/scenes/spread).
async function spread(markers) {
  const answer = await studio.api("/studio/scenes/spread", {
    method: "POST",
    json: { script: $("script").value, add: markers },
  });
  if (!answer.ok) {
    showError("scene", studio.problems(answer.body)[0].message);
    return;
  }
  $("script").value = answer.body.script;
  redrawCards(); // now, and no later redraw pending from typing
  countWords();
}

async function addSceneUrl() {
  clearErrors();
  const url = $("scene_url").value.trim();
  if (!/^(https?|s3):\/\/\S+$/i.test(url)) {
    showError("scene", "the link must start with http://, https:// or s3://.");
    $("scene_url").setAttribute("aria-invalid", "true");
    $("scene_url").focus();
    return;
  }
  if (!checkAddress("scene", url)) return;
  await spread([scenes.marker({ label: "", url, options: new Map() })]);
  $("scene_url").value = "";
}

// Files dropped anywhere on the page: scenes, unless dropped on the base video or music,
// or a single sound file (music).
function setupDrops() {
  const overlay = $("drop-overlay");
  const carriesFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    depth += 1;
    overlay.hidden = false;
  });
  document.addEventListener("dragleave", (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  });
  document.addEventListener("dragover", (event) => {
    if (carriesFiles(event)) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const files = [...event.dataTransfer.files];
    const zone = event.target.closest && event.target.closest("[data-drop]");
    const target = zone ? zone.dataset.drop : "scenes";
    if (target !== "scenes" && files.length) {
      document.querySelector(`fieldset[data-media="${target}"]`).take(files[0]);
    } else if (files.length === 1 && files[0].type.startsWith("audio/")) {
      document.querySelector('fieldset[data-media="music"]').take(files[0]);
    } else {
      addScenes(files);
    }
  });
}

// --- voice -------------------------------------------------------------------------------

function capital(text) {
  return text.replace(/(^|\s)\S/g, (c) => c.toUpperCase());
}

function engineName(engine) {
  return `${capital(engine)}${SLOW_ENGINES.has(engine) ? ", slow" : ""}`;
}

async function loadVoices() {
  const select = $("voice");
  const chosen = select.value;
  const answer = await studio.api("/voices");
  if (!answer.ok || !answer.body || !Array.isArray(answer.body.voices)) return; // default only
  // Grouped by the language's name, each voice by its readable name (both from GET /voices).
  const groups = new Map();
  for (const voice of answer.body.voices) {
    const language = voice.language_name || voice.language || "Other";
    if (!groups.has(language)) groups.set(language, []);
    groups.get(language).push(voice);
  }
  const built = [];
  let found = false;
  for (const language of [...groups.keys()].sort()) {
    const group = document.createElement("optgroup");
    group.label = language;
    for (const voice of groups.get(language)) {
      const value = `${voice.engine}|${voice.speaker}|${voice.language || ""}`;
      const marked = voice.default ? " · default" : "";
      const option = new Option(`${voice.label || voice.speaker} · ${engineName(voice.engine)}${marked}`, value);
      option.dataset.engine = voice.engine;
      // "Default voice" (value "") is the service's default voice: that voice, named.
      if (value === chosen || (chosen === "" && voice.default)) {
        option.selected = true;
        found = true;
      }
      group.append(option);
    }
    built.push(group);
  }
  // A voice of an earlier job that this service no longer has stays, marked.
  const before = found ? [] : [...select.options].filter((o) => o.value === chosen);
  for (const option of before) if (option.value) option.textContent += " (as before)";
  const selected = [...built.flatMap((g) => [...g.children]), ...before].find((o) => o.selected);
  select.replaceChildren(...before, ...built);
  if (selected) select.value = selected.value;
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

function chosenEngine() {
  const option = $("voice").selectedOptions[0];
  return (option && option.dataset.engine) || $("voice").value.split("|")[0] || $("new-video").dataset.defaultEngine;
}

async function playSample() {
  const button = $("play-sample");
  const state = $("voice-state");
  const bar = $("sample_progress");
  clearErrors();
  button.disabled = true;
  const expected = SAMPLE_SECONDS[chosenEngine()] || 5;
  const started = Date.now();
  bar.hidden = false;
  bar.value = 0;
  const tick = () => {
    const elapsed = (Date.now() - started) / 1000;
    bar.value = Math.min(95, Math.round((100 * elapsed) / expected));
    state.textContent = `Speaking a sample… ${Math.round(elapsed)} s of about ${expected} s`;
  };
  tick();
  const timer = window.setInterval(tick, 250);
  const answer = await studio.api("/voiceover", {
    method: "POST",
    json: Object.assign({ script: SAMPLE_SENTENCE, sample: true }, voiceFields()),
  });
  window.clearInterval(timer);
  bar.hidden = true;
  button.disabled = false;
  if (!answer.ok || !answer.body.voice_url) {
    state.textContent = "";
    showError("voice", studio.problems(answer.body)[0].message);
    return;
  }
  const audio = $("sample");
  audio.src = answer.body.voice_url;
  state.textContent = `Playing the sample (made in ${describeSeconds((Date.now() - started) / 1000)}).`;
  try {
    await audio.play();
  } catch (err) {
    state.textContent = "The sample is ready, but the browser would not play it.";
  }
}

// --- captions preview --------------------------------------------------------------------

function changedColors() {
  const colors = {};
  for (const id of ["text_color", "highlight_color", "outline_color"]) {
    const input = $(id);
    if (id === "highlight_color" && $("highlight_color_field").hidden) continue;
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

// What the video opens on: the first scene's picture, else the base video, else nothing.
function previewPicture() {
  const model = scenes.parse($("script").value);
  if (model.list.length && !model.lead) {
    return model.list[0].url.startsWith("upload://") ? [model.list[0].url, "the first scene"] : [null, null];
  }
  const base = $("base_video_upload").value;
  return base ? [base, "the base video"] : [null, null];
}

let previewTimer = null;
function updatePreview() {
  window.clearTimeout(previewTimer);
  previewTimer = window.setTimeout(() => {
    updateGallery();
    const [width, height] = previewSize();
    const query = new URLSearchParams({ style: $("caption_style").value, size: `${width}x${height}` });
    for (const [name, value] of Object.entries(changedColors())) query.set(name, value);
    const [picture, what] = previewPicture();
    if (picture) query.set("picture", picture);
    $("preview-caption").textContent = picture
      ? `The captions over ${what}, in the chosen style, colours and size.`
      : "The captions in the chosen style, colours and size.";
    const img = $("preview");
    img.width = width;
    img.height = height;
    img.src = `/studio/preview.png?${query}`;
  }, 150);
}

function styleChanged() {
  const option = $("caption_style").selectedOptions[0];
  $("highlight_color_field").hidden = !option || option.dataset.highlight !== "true";
  for (const tile of document.querySelectorAll(".style-tile")) {
    tile.setAttribute("aria-pressed", String(tile.dataset.style === $("caption_style").value));
  }
  updatePreview();
}

// The style gallery: every style moving (GET /studio/preview.mp4), in the chosen colours and
// shape; loaded only once opened, since each clip is a short render.
const GALLERY_LONG_SIDE = 240;
function updateGallery() {
  if (!$("style-gallery").open) return;
  const [width, height] = $("size").value.split("x").map(Number);
  const scale = GALLERY_LONG_SIDE / Math.max(width, height);
  const even = (n) => Math.max(2, 2 * Math.round((n * scale) / 2));
  const shape = width === height ? "square" : height > width ? "portrait" : "landscape";
  document.querySelector(".gallery").dataset.shape = shape; // tiles take the frame's shape
  for (const tile of document.querySelectorAll(".style-tile")) {
    const query = new URLSearchParams({ style: tile.dataset.style, size: `${even(width)}x${even(height)}` });
    for (const [name, value] of Object.entries(changedColors())) query.set(name, value);
    const video = tile.querySelector("video");
    const source = `/studio/preview.mp4?${query}`;
    if (video.getAttribute("src") === source) continue;
    video.src = source;
    video.play().catch(() => {}); // muted clips may autoplay; if not, the tile still shows
  }
}

function setupGallery() {
  $("style-gallery").addEventListener("toggle", updateGallery);
  for (const tile of document.querySelectorAll(".style-tile")) {
    tile.addEventListener("click", () => {
      $("caption_style").value = tile.dataset.style;
      styleChanged();
    });
  }
}

// --- render ------------------------------------------------------------------------------

function draftSize() {
  const [width, height] = $("size").value.split("x").map(Number);
  if (width === height) return DRAFTS.square;
  return height > width ? DRAFTS.portrait : DRAFTS.landscape;
}

function requestBody(draft) {
  const script = $("script").value.trim();
  if (!script) {
    showError("script", "write something for the narrator to say.");
    $("script").focus();
    return null;
  }
  const body = Object.assign(
    { script, size: draft ? draftSize() : $("size").value, subtitle_style: $("caption_style").value },
    voiceFields(),
  );
  for (const [key, field] of [["base_video", "base_video_url"], ["music", "bgm_url"]]) {
    const value = mediaValue(key);
    if (!value) continue;
    if (!value.startsWith("upload://") && !checkAddress(key, value)) return null;
    body[field] = value;
  }
  if (body.bgm_url) body.music_volume = Number($("music_volume").value) / 100;
  const colors = changedColors();
  if (Object.keys(colors).length) body.captions = colors;
  if (draft) body.title = `Draft: ${scenes.firstWords(script.replace(/^!\[.*$/gm, "")) || "video"}`;
  return body;
}

async function submit(draft) {
  redrawCards(); // before errors mark a card
  clearErrors();
  $("form-error").hidden = true;
  const body = requestBody(draft);
  if (!body) {
    const invalid =
      document.querySelector('#new-video input[type="url"][aria-invalid]') ||
      document.querySelector("#new-video [aria-invalid]");
    if (invalid) invalid.focus();
    return;
  }
  const button = draft ? $("quick-draft") : $("render");
  const label = button.textContent;
  for (const b of renderButtons()) b.disabled = true;
  button.textContent = "Starting…";
  const answer = await studio.api("/render", { method: "POST", json: body });
  if (answer.ok) {
    window.location.href = `/studio/jobs/${answer.body.job_id}`;
    return;
  }
  for (const b of renderButtons()) b.disabled = false;
  button.textContent = label;
  showProblems(answer.body);
}

let redraw = null; // the cards follow the script's typing a moment later
function redrawCards() {
  window.clearTimeout(redraw);
  cards.refresh();
  updatePreview();
}

function scriptChanged() {
  countWords();
  updatePreview();
}

document.addEventListener("DOMContentLoaded", () => {
  const form = $("new-video");
  if (!form) return;
  cards = new SceneCards($("scene-cards"), $("script"), {
    motions: JSON.parse(form.dataset.motions),
    transitions: JSON.parse(form.dataset.transitions),
    onChange: scriptChanged,
  });
  cards.draw();
  $("script").addEventListener("input", () => {
    countWords();
    window.clearTimeout(redraw);
    redraw = window.setTimeout(redrawCards, 250);
  });
  $("music_volume").addEventListener("input", () => {
    $("music_volume-state").textContent = `${$("music_volume").value} %`;
  });
  for (const fieldset of form.querySelectorAll("fieldset[data-media]")) setupMedia(fieldset);
  $("scene_files").addEventListener("change", () => addScenes($("scene_files").files));
  $("add-scene-url").addEventListener("click", addSceneUrl);
  setupDrops();
  setupGallery();
  $("play-sample").addEventListener("click", playSample);
  $("caption_style").addEventListener("change", styleChanged);
  for (const id of ["size", "text_color", "highlight_color", "outline_color"]) {
    $(id).addEventListener("input", updatePreview);
    $(id).addEventListener("change", updatePreview);
  }
  $("size").addEventListener("change", updateEstimate);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(false);
  });
  $("quick-draft").addEventListener("click", () => submit(true));
  countWords();
  styleChanged();
  loadVoices();
  // "Edit and retry": the job's error, beside the field it names.
  if (form.dataset.problemMessage) {
    showProblems({ detail: [{ field: form.dataset.problemField || null, msg: form.dataset.problemMessage }] });
  }
});
