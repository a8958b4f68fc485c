// "More voices": fetch a voice of the catalogue, then poll its progress until it is done.
"use strict";

async function fetchVoice(button) {
  const name = button.dataset.fetch;
  const cell = button.parentElement;
  const bar = cell.querySelector("progress");
  const state = cell.querySelector(".fetch-state");
  const path = `/studio/voices/${encodeURIComponent(name)}/fetch`;
  button.disabled = true;
  bar.hidden = false;
  let answer = await studio.api(path, { method: "POST" });
  while (answer.ok && answer.body.status === "running") {
    bar.value = answer.body.percent;
    state.textContent = answer.body.file ? `${answer.body.file}: ${answer.body.percent}%` : "Starting…";
    await new Promise((resolve) => setTimeout(resolve, 500));
    answer = await studio.api(path);
  }
  bar.hidden = true;
  if (answer.ok && answer.body.status === "completed") {
    state.textContent = "Installed: pick it in the Voice menu.";
    return;
  }
  button.disabled = false;
  state.textContent = answer.ok ? answer.body.error : studio.problems(answer.body)[0].message;
  state.classList.add("error");
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-fetch]")) {
    button.addEventListener("click", () => fetchVoice(button));
  }
});
