// The Thinking panel of an answer: `reasoning_content` and `janus` events (tool and
// sandbox steps) as a timeline, one row per step, with how long the thinking took. Open
// while the answer streams, collapsed afterwards.

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

/** Seconds between the first step and `until` (ms), or null for timelines saved before
 * steps had times. */
function elapsedSeconds(timeline, until) {
  const first = timeline[0] && timeline[0].at;
  if (!Number.isFinite(first) || !Number.isFinite(until)) return null;
  return Math.max(0, Math.round((until - first) / 1000));
}

export class ThinkingPanel {
  constructor() {
    this.summary = h("summary", { text: "Thinking" });
    this.list = h("ol", { "aria-label": "Steps" });
    this.element = h("details", { class: "thinking", hidden: true }, this.summary, this.list);
    this.shown = 0; // timeline entries already in the list
    this.ticker = null;
    this.state = null;
  }

  /**
   * Bring the list up to date with `timeline`; `streaming` keeps the panel open. The timer
   * runs from the first step until `thoughtUntil` (ms; the answer's first text), else
   * while the answer streams, else until the last step.
   */
  update(timeline, streaming, thoughtUntil = null) {
    if (!timeline.length) return;
    this.element.hidden = false;
    // The last entry may have grown (reasoning arrives in pieces): redraw it.
    if (this.shown > 0 && this.list.lastElementChild) {
      this.list.lastElementChild.remove();
      this.shown -= 1;
    }
    for (const entry of timeline.slice(this.shown)) this.list.append(this.#item(entry));
    this.shown = timeline.length;
    this.state = { timeline, streaming, thoughtUntil };
    this.#label();
    const thinking = streaming && !thoughtUntil;
    if (thinking && this.ticker === null) this.ticker = setInterval(() => this.#tick(), 1000);
    if (!thinking) this.#stopTicking();
  }

  open(isOpen) {
    this.element.open = isOpen;
  }

  #tick() {
    if (!this.element.isConnected) this.#stopTicking();
    else this.#label();
  }

  #stopTicking() {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  #label() {
    const { timeline, streaming, thoughtUntil } = this.state;
    const steps = timeline.filter((e) => e.kind === "event").length;
    const count = steps ? `${steps} step${steps === 1 ? "" : "s"}` : "";
    const thinking = streaming && !thoughtUntil;
    const last = timeline[timeline.length - 1].at;
    const seconds = elapsedSeconds(timeline, thoughtUntil || (thinking ? Date.now() : last));
    if (seconds === null) {
      const label = streaming ? "Thinking…" : "Thinking";
      this.summary.textContent = count ? `${label} (${count})` : label;
      return;
    }
    const label = thinking ? `Thinking… ${seconds} s` : `Thought for ${seconds} s`;
    this.summary.textContent = count ? `${label} · ${count}` : label;
  }

  #item(entry) {
    if (entry.kind === "reasoning") return h("li", { class: "reasoning", text: entry.text });
    const detail = describePayload(entry.payload);
    if (entry.text) {
      // A step the competitor described in words: the words are the row; the event's
      // name and details stay available as its tooltip.
      return h("li", {
        class: "event",
        dataset: { event: entry.event },
        title: [entry.event, detail].filter(Boolean).join(" · "),
        text: entry.text,
      });
    }
    return h(
      "li",
      { class: "event", dataset: { event: entry.event } },
      h("span", { class: "event-name", text: entry.event }),
      h("span", { class: "event-detail", text: detail }),
    );
  }
}

/**
 * Add one streamed delta's reasoning or janus event to `timeline` (merging reasoning). A
 * delta that carries both, as the baselines send each step, is one entry: the event with
 * its sentence.
 */
export function recordDelta(timeline, delta) {
  const reasoning =
    typeof delta.reasoning_content === "string" ? delta.reasoning_content : "";
  const at = Date.now();
  if (delta.janus && typeof delta.janus.event === "string") {
    timeline.push({
      kind: "event",
      event: delta.janus.event,
      payload: delta.janus.payload || {},
      text: reasoning.trim(),
      at,
    });
    return;
  }
  if (!reasoning) return;
  const last = timeline[timeline.length - 1];
  if (last && last.kind === "reasoning") last.text += reasoning;
  else timeline.push({ kind: "reasoning", text: reasoning, at });
}
