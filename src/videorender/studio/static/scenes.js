// Scene cards over the script's marker lines. The script stays the saved format: a line
// `![NAME](URL){motion=... transition=...}` starts a scene (NAME: the file's own name), and the
// text after it, up to the next marker, is spoken over it. Editing the cards rewrites the
// script; editing the script redraws the cards. The pattern is the service's own
// (pipeline/scenes.py `_MARKER`).
"use strict";

const MARKER = /^!\[([^\]\n]*)\]\(([^)\s]+)\)(?:\{([^}\n]*)\})?$/;
const IMAGE_SUFFIX = /\.(jpe?g|png|webp|image)$/i;
const FIRST_WORDS = 8;

const scenes = {
  // {lead: text before the first marker, list: [{label, url, options: Map, text}]}
  parse(script) {
    const model = { lead: [], list: [] };
    let current = null;
    for (const line of script.split("\n")) {
      const match = MARKER.exec(line.trim());
      if (!match) {
        (current ? current.lines : model.lead).push(line);
        continue;
      }
      const options = new Map();
      for (const item of (match[3] || "").split(/\s+/).filter(Boolean)) {
        const [name, ...value] = item.split("=");
        options.set(name.toLowerCase(), value.join("="));
      }
      current = { label: match[1].trim(), url: match[2], options, lines: [] };
      model.list.push(current);
    }
    for (const scene of model.list) scene.text = scene.lines.join("\n").trim();
    model.lead = model.lead.join("\n").trim();
    return model;
  },

  marker(scene) {
    const options = [...scene.options].map(([name, value]) => `${name}=${value}`);
    const label = (scene.label || "").replace(/[[\]\n]/g, "");
    return `![${label}](${scene.url})${options.length ? `{${options.join(" ")}}` : ""}`;
  },

  serialize(model) {
    const parts = model.lead ? [model.lead] : [];
    for (const scene of model.list) {
      parts.push(scenes.marker(scene));
      if (scene.text) parts.push(scene.text);
    }
    return parts.join("\n");
  },

  isImage(url) {
    return IMAGE_SUFFIX.test(url.split("?")[0]);
  },

  fileName(scene) {
    if (scene.label) return scene.label;
    const path = scene.url.split("?")[0].replace(/\/+$/, "");
    return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1)) || scene.url;
  },

  firstWords(text) {
    const words = text.split(/\s+/).filter(Boolean);
    if (!words.length) return "";
    return words.slice(0, FIRST_WORDS).join(" ") + (words.length > FIRST_WORDS ? "…" : "");
  },

  posterUrl(url) {
    const match = /^upload:\/\/([0-9a-f]{32}\.[a-z0-9]{1,5})$/i.exec(url);
    return match ? `/studio/poster/${match[1]}` : null;
  },

  // A readable name for `scenes[N]` in a message: "Scene 2 (harbour.jpg)".
  name(model, number) {
    const scene = model.list[number];
    return scene ? `Scene ${number + 1} (${scenes.fileName(scene)})` : `Scene ${number + 1}`;
  },
};

// The cards: drawn from the script, and writing it back. `onChange` runs after each edit.
class SceneCards {
  constructor(list, script, { motions, transitions, onChange }) {
    this.list = list;
    this.script = script;
    this.motions = motions;
    this.transitions = transitions;
    this.onChange = onChange;
    this.dragged = null;
    this.model = scenes.parse(script.value);
  }

  refresh() {
    this.model = scenes.parse(this.script.value);
    this.draw();
  }

  write() {
    this.script.value = scenes.serialize(this.model);
    this.draw();
    this.onChange();
  }

  // Move a scene; focus follows it (to the same button when it can still be used).
  move(from, to, buttonText) {
    if (to < 0 || to >= this.model.list.length || from === to) return;
    const [scene] = this.model.list.splice(from, 1);
    this.model.list.splice(to, 0, scene);
    this.write();
    const card = this.list.children[to];
    if (!card) return;
    const same = [...card.querySelectorAll("button")].find((b) => b.textContent === buttonText);
    (same && !same.disabled ? same : card).focus();
  }

  remove(number) {
    const [gone] = this.model.list.splice(number, 1);
    // Its words stay in the script: they join the scene before, or the text before the first.
    if (gone && gone.text) {
      const before = this.model.list[number - 1];
      if (before) before.text = [before.text, gone.text].filter(Boolean).join("\n");
      else this.model.lead = [this.model.lead, gone.text].filter(Boolean).join("\n");
    }
    this.write();
  }

  setOption(number, name, value, fallback) {
    const options = this.model.list[number].options;
    if (value === fallback) options.delete(name);
    else options.set(name, value);
    this.write();
  }

  draw() {
    this.list.replaceChildren(...this.model.list.map((scene, n) => this.card(scene, n)));
    this.list.hidden = this.model.list.length === 0;
  }

  card(scene, number) {
    const total = this.model.list.length;
    const item = element("li", { className: "scene-card", draggable: "true", tabIndex: -1 });
    item.dataset.index = String(number);
    const poster = scenes.posterUrl(scene.url);
    const thumb = poster
      ? element("img", { className: "thumb", src: poster, alt: "", loading: "lazy" })
      : element("span", { className: "thumb thumb-empty", textContent: "🔗" });
    thumb.setAttribute("aria-hidden", "true");
    const body = element("div", { className: "card-body" });
    const title = element("p", { className: "card-title" });
    title.append(
      element("span", { className: "card-number", textContent: `Scene ${number + 1}` }),
      element("strong", { className: "file-name", textContent: scenes.fileName(scene) }),
    );
    const words = scenes.firstWords(scene.text);
    const said = element("p", {
      className: words ? "first-words" : "first-words missing",
      textContent: words ? `“${words}”` : "No words yet: write what is said over it.",
    });
    const image = scenes.isImage(scene.url);
    const controls = element("div", { className: "card-controls" });
    controls.append(
      this.menu(number, "motion", "Motion", this.motions, "zoom-in", !image),
      this.menu(number, "transition", "Transition", this.transitions, "cut", number === 0),
    );
    body.append(title, said, controls);
    const buttons = element("div", { className: "card-buttons" });
    buttons.append(
      button("Move up", number === 0, () => this.move(number, number - 1, "Move up")),
      button("Move down", number === total - 1, () => this.move(number, number + 1, "Move down")),
      button("Remove", false, () => this.remove(number), "danger"),
    );
    item.append(thumb, body, buttons);
    item.setAttribute("aria-label", `Scene ${number + 1}: ${scenes.fileName(scene)}`);
    this.dragging(item, number);
    return item;
  }

  menu(number, name, label, choices, fallback, disabled) {
    const id = `scene-${number}-${name}`;
    const wrap = element("span", { className: "card-menu" });
    const select = element("select", { id, disabled });
    for (const choice of choices) select.add(new Option(choice, choice));
    select.value = this.model.list[number].options.get(name) || fallback;
    select.addEventListener("change", () => this.setOption(number, name, select.value, fallback));
    wrap.append(element("label", { htmlFor: id, textContent: label }), select);
    if (disabled) {
      wrap.classList.add("disabled");
      wrap.title = name === "motion" ? "A clip plays as it is" : "The first scene has none";
    }
    return wrap;
  }

  dragging(item, number) {
    item.addEventListener("dragstart", (event) => {
      this.dragged = number;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/x-scene", String(number));
      item.classList.add("dragging");
    });
    item.addEventListener("dragend", () => {
      this.dragged = null;
      item.classList.remove("dragging");
    });
    item.addEventListener("dragover", (event) => {
      if (this.dragged === null) return;
      event.preventDefault();
      item.classList.add("drop-target");
    });
    item.addEventListener("dragleave", () => item.classList.remove("drop-target"));
    item.addEventListener("drop", (event) => {
      if (this.dragged === null) return;
      event.preventDefault();
      event.stopPropagation();
      this.move(this.dragged, number);
    });
  }
}

function element(tag, properties) {
  return Object.assign(document.createElement(tag), properties || {});
}

function button(text, disabled, action, className) {
  const made = element("button", { type: "button", textContent: text, disabled });
  if (className) made.className = className;
  made.addEventListener("click", action);
  return made;
}
