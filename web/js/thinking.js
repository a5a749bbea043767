// The Thinking panel of an answer: `reasoning_content` and `janus` events (tool and
// sandbox steps) as a timeline. Open while the answer streams, collapsed afterwards.

import { h } from "./dom.js";

/** A short human description of an event's payload (its name, command, file ...). */
function describePayload(payload) {
  if (!payload || typeof payload !== "object") return "";
  const keys = ["name", "tool", "command", "display_name", "path", "query", "status", "exit_code"];
  const parts = keys.filter((k) => payload[k] !== undefined && payload[k] !== null).map((k) => {
    const value = typeof payload[k] === "object" ? JSON.stringify(payload[k]) : String(payload[k]);
    return k === "name" || k === "tool" ? value : `${k}: ${value}`;
  });
  return parts.join(" · ").slice(0, 300);
}

export class ThinkingPanel {
  constructor() {
    this.summary = h("summary", { text: "Thinking" });
    this.list = h("ol", { "aria-label": "Steps" });
    this.element = h("details", { class: "thinking", hidden: true }, this.summary, this.list);
    this.shown = 0; // timeline entries already in the list
  }

  /** Bring the list up to date with `timeline`; `streaming` keeps the panel open. */
  update(timeline, streaming) {
    if (!timeline.length) return;
    this.element.hidden = false;
    // The last entry may have grown (reasoning arrives in pieces): redraw it.
    if (this.shown > 0 && this.list.lastElementChild) {
      this.list.lastElementChild.remove();
      this.shown -= 1;
    }
    for (const entry of timeline.slice(this.shown)) this.list.append(this.#item(entry));
    this.shown = timeline.length;
    const steps = timeline.filter((e) => e.kind === "event").length;
    const label = streaming ? "Thinking…" : "Thinking";
    this.summary.textContent = steps ? `${label} (${steps} step${steps === 1 ? "" : "s"})` : label;
  }

  open(isOpen) {
    this.element.open = isOpen;
  }

  #item(entry) {
    if (entry.kind === "reasoning") return h("li", { class: "reasoning", text: entry.text });
    return h(
      "li",
      { class: "event", dataset: { event: entry.event } },
      h("span", { class: "event-name", text: entry.event }),
      h("span", { class: "event-detail", text: describePayload(entry.payload) }),
    );
  }
}

/** Add one streamed delta's reasoning or janus event to `timeline` (merging reasoning). */
export function recordDelta(timeline, delta) {
  if (typeof delta.reasoning_content === "string" && delta.reasoning_content) {
    const last = timeline[timeline.length - 1];
    if (last && last.kind === "reasoning") last.text += delta.reasoning_content;
    else timeline.push({ kind: "reasoning", text: delta.reasoning_content });
  }
  if (delta.janus && typeof delta.janus.event === "string") {
    timeline.push({ kind: "event", event: delta.janus.event, payload: delta.janus.payload || {} });
  }
}
