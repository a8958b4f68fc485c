// The job page: live progress (Server-Sent Events, else polling every second) and Cancel.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("job");
  if (!section) return;
  const jobId = section.dataset.jobId;
  const running = ["queued", "processing"].includes(section.dataset.status);
  if (!running) return;
  const stages = JSON.parse(section.dataset.stages || "{}");
  const bar = document.getElementById("progress");
  const percent = document.getElementById("percent");
  const stageName = document.getElementById("stage-name");
  const cancel = document.getElementById("cancel");
  const error = document.getElementById("job-error");
  const timeLeft = document.getElementById("time-left");
  let done = false;
  let first = null; // {at, progress}: the first progress seen while processing

  const loaded = Date.now();
  const estimate = Number(section.dataset.estimateS) || 0; // from this machine's past renders
  const ranBefore = Number(section.dataset.ranS) || 0;

  // Time left: at first from the machine's measured speed, then from this job's own pace
  // since this page first saw it run.
  function showTimeLeft(job) {
    if (job.status !== "processing") return;
    const now = Date.now();
    if (first === null) first = { at: now, progress: job.progress };
    const gained = job.progress - first.progress;
    let left = null;
    if (gained >= 3 && now - first.at >= 1500) {
      left = ((now - first.at) / 1000) * ((100 - job.progress) / gained);
    } else if (estimate) {
      left = Math.max(1, estimate - ranBefore - (now - loaded) / 1000);
    }
    if (left === null) return;
    timeLeft.textContent = `· about ${left < 90 ? `${Math.max(1, Math.round(left))} s` : `${Math.round(left / 60)} min`} left`;
  }

  function show(job) {
    if (done) return;
    if (!["queued", "processing"].includes(job.status)) {
      done = true;
      if (job.status === "completed") {
        bar.value = 100;
        percent.textContent = "100 %";
        stageName.textContent = "Done: opening the player";
        cancel.hidden = true;
      }
      // A moment at 100 % before the player replaces the progress bar.
      window.setTimeout(() => window.location.reload(), job.status === "completed" ? 1500 : 0);
      return;
    }
    bar.value = job.progress;
    showTimeLeft(job);
    bar.textContent = `${job.progress} %`;
    percent.textContent = `${job.progress} %`;
    stageName.textContent =
      job.status === "queued" ? "Waiting for a worker" : stages[job.stage] || "Working";
  }

  function poll() {
    const tick = async () => {
      if (done) return;
      const answer = await studio.api(`/status/${jobId}`);
      if (answer.ok) show(answer.body);
      if (!done) window.setTimeout(tick, 1000);
    };
    tick();
  }

  if (window.EventSource) {
    const source = new EventSource(`/jobs/${jobId}/events`);
    source.addEventListener("job", (event) => show(JSON.parse(event.data)));
    source.onerror = () => {
      source.close();
      if (!done) poll();
    };
  } else {
    poll();
  }

  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    cancel.textContent = "Cancelling…";
    const answer = await studio.api(`/jobs/${jobId}/cancel`, { method: "POST" });
    if (answer.ok || answer.status === 409) {
      window.location.reload();
      return;
    }
    cancel.disabled = false;
    cancel.textContent = "Cancel";
    error.hidden = false;
    error.textContent = studio.problems(answer.body)[0].message;
  });
});
