// The landing page: examples show this gateway's own address; a live status line.

import "./header.js";
import { describeError, getJSON } from "./api.js";

for (const slot of document.querySelectorAll("[data-base]")) slot.textContent = window.location.origin;

async function showStatus() {
  const health = document.getElementById("health");
  const count = document.getElementById("model-count");
  try {
    const status = await getJSON("/health");
    health.textContent = `${status.status} (version ${status.version})`;
  } catch (err) {
    health.textContent = describeError(err);
  }
  try {
    const models = await getJSON("/v1/models");
    count.textContent = models.data.map((m) => m.id).join(", ") || "none configured";
  } catch (err) {
    count.textContent = describeError(err);
  }
}

showStatus();
