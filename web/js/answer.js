// One assistant answer: the message it is built from as chunks arrive, and its view.
// Shared by the chat and the arena (which shows two answers side by side).

import { errorBox, formatBytes, h } from "./dom.js";
import { copyText, renderMarkdown } from "./markdown.js";
import { serverSentEvents } from "./sse.js";
import { ThinkingPanel, recordDelta } from "./thinking.js";

/** A new, empty assistant message answered by `model`. */
export function newAnswer(model) {
  return {
    role: "assistant",
    model,
    content: "",
    timeline: [],
    artifacts: [],
    error: null,
    stopped: false,
    interrupted: false,
    answeredBy: null,
    thoughtUntil: null,
    usage: null,
    finishReason: null,
  };
}

/** Only gateway (http/https) and inline image URLs are ever put in the page. */
export function safeUrl(url, { allowData = false } = {}) {
  try {
    const parsed = new URL(url, window.location.href);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.href;
    if (allowData && parsed.protocol === "data:") return url;
  } catch {
    // not a URL
  }
  return null;
}

function artifactItem(artifact) {
  const url = safeUrl(artifact.url);
  const name = artifact.display_name || artifact.id || "file";
  const about = [artifact.mime_type, formatBytes(artifact.size_bytes)].filter(Boolean).join(" · ");
  if (!url) return h("li", { class: "muted", text: `${name} (${about}): no usable link` });
  const link = h("a", { href: url, download: name, text: name });
  if (String(artifact.mime_type || "").startsWith("image/")) {
    return h(
      "li",
      {},
      h("figure", {}, h("img", { src: url, alt: name }), h("figcaption", {}, link, ` · ${about}`)),
    );
  }
  return h("li", {}, link, h("span", { class: "muted", text: ` · ${about}` }));
}

/**
 * The view of one assistant message; `render` is cheap to call every frame. Once the
 * answer has ended it offers Copy answer, and whatever `actions` the page gives:
 * `regenerate()`, `continue()` (offered when the answer was cut off at the length limit)
 * and `showVersion(index)` (paging through `message.versions`, earlier answers kept by
 * Regenerate).
 */
export class AnswerView {
  constructor(message, actions = {}) {
    this.message = message;
    this.actions = actions;
    this.toolbar = h("div", { class: "answer-actions", hidden: true });
    this.thinking = new ThinkingPanel();
    this.answer = h("div", { class: "answer" });
    this.files = h("ul", { class: "artifacts", "aria-label": "Files", hidden: true });
    this.problem = h("div");
    this.note = h("p", { class: "note", hidden: true });
    this.element = h(
      "article",
      { class: "message assistant", "aria-label": `Answer from ${message.model || "assistant"}` },
      (this.who = h("div", { class: "who", text: message.model || "assistant" })),
      this.thinking.element,
      this.answer,
      this.files,
      this.problem,
      this.note,
      this.toolbar,
    );
    this.shown = { content: null, files: 0, error: null, note: null, toolbar: null, who: null };
  }

  render(streaming) {
    const m = this.message;
    const who = answeredBy(m);
    if (who !== this.shown.who) {
      this.who.textContent = who;
      this.shown.who = who;
    }
    this.thinking.update(m.timeline, streaming, m.thoughtUntil);
    if (m.content !== this.shown.content) {
      renderMarkdown(this.answer, m.content);
      this.shown.content = m.content;
    }
    if (m.artifacts.length !== this.shown.files) {
      this.files.append(...m.artifacts.slice(this.shown.files).map(artifactItem));
      this.files.hidden = false;
      this.shown.files = m.artifacts.length;
    }
    if (m.error !== this.shown.error) {
      this.problem.replaceChildren(...(m.error ? [errorBox(m.error)] : []));
      this.shown.error = m.error;
    }
    const note = this.#note(streaming);
    if (note !== this.shown.note) {
      this.note.textContent = note;
      this.note.hidden = !note;
      this.shown.note = note;
    }
    const versions = m.versions ? m.versions.length : 1;
    const toolbar = streaming ? "" : [m.content.length, m.finishReason, m.version, versions].join("|");
    if (toolbar !== this.shown.toolbar) {
      this.#renderToolbar(streaming);
      this.shown.toolbar = toolbar;
    }
  }

  #note(streaming) {
    const m = this.message;
    if (streaming) return m.content || m.timeline.length ? "" : "Waiting for the answer…";
    if (m.stopped) return "Stopped: the partial answer is kept.";
    if (m.interrupted) return "Interrupted: the page was closed while this answer streamed; what came is kept.";
    const tokens = m.usage && Number.isFinite(m.usage.total_tokens) ? `${m.usage.total_tokens} tokens` : "";
    if (m.finishReason === "length") {
      return `Cut off: the answer reached its length limit${tokens ? ` (${tokens})` : ""}.`;
    }
    return tokens;
  }

  #renderToolbar(streaming) {
    const m = this.message;
    const buttons = [];
    if (!streaming && m.versions && m.versions.length > 1 && this.actions.showVersion) {
      const at = m.version;
      buttons.push(
        h("button", {
          type: "button",
          class: "small",
          text: "‹",
          "aria-label": "Previous answer",
          disabled: at === 0,
          on: { click: () => this.actions.showVersion(at - 1) },
        }),
        h("span", { class: "muted", text: `${at + 1} / ${m.versions.length}`, "aria-label": `Answer ${at + 1} of ${m.versions.length}` }),
        h("button", {
          type: "button",
          class: "small",
          text: "›",
          "aria-label": "Next answer",
          disabled: at === m.versions.length - 1,
          on: { click: () => this.actions.showVersion(at + 1) },
        }),
      );
    }
    if (!streaming && m.content) {
      const copy = h("button", { type: "button", class: "small", text: "Copy answer" });
      copy.addEventListener("click", async () => {
        copy.textContent = (await copyText(m.content)) ? "Copied" : "Copy failed";
        setTimeout(() => {
          copy.textContent = "Copy answer";
        }, 1500);
      });
      buttons.push(copy);
    }
    if (!streaming && m.finishReason === "length" && this.actions.continue) {
      buttons.push(h("button", { type: "button", class: "small", text: "Continue", on: { click: () => this.actions.continue() } }));
    }
    if (!streaming && this.actions.regenerate) {
      buttons.push(h("button", { type: "button", class: "small", text: "Regenerate", on: { click: () => this.actions.regenerate() } }));
    }
    this.toolbar.replaceChildren(...buttons);
    this.toolbar.hidden = !buttons.length;
  }
}

/** "janus · answered by <model>" when the chunks name a model other than the one asked
 * for (`janus` routes to a competitor): who answered is never a guess. */
function answeredBy(message) {
  const asked = message.model || "assistant";
  const by = message.answeredBy;
  return by && by !== asked ? `${asked} · answered by ${by}` : asked;
}

/**
 * Read an SSE chat answer into `message`, calling `onChunk` after each event; a stream
 * that stops before [DONE] is reported on the message.
 */
export async function readAnswerStream(response, message, onChunk) {
  let finished = false;
  for await (const data of serverSentEvents(response)) {
    if (data === "[DONE]") {
      finished = true;
      break;
    }
    takeChunk(message, data);
    onChunk();
  }
  if (!finished && !message.error) {
    message.error = "The stream ended without [DONE]: the answer may be incomplete.";
  }
}

export function takeChunk(message, data) {
  let chunk;
  try {
    chunk = JSON.parse(data);
  } catch {
    message.error = `The gateway sent an unreadable event: ${data.slice(0, 200)}`;
    return;
  }
  if (chunk.error) {
    const e = chunk.error;
    const code = e.code || e.type;
    message.error = `Error during the answer${code ? ` (${code})` : ""}: ${e.message || JSON.stringify(e)}`;
    return;
  }
  if (chunk.usage) message.usage = chunk.usage;
  if (typeof chunk.model === "string" && chunk.model) message.answeredBy = chunk.model.slice(0, 100);
  for (const choice of chunk.choices || []) {
    if (choice.index !== 0) continue;
    if (choice.finish_reason) message.finishReason = choice.finish_reason;
    if (!choice.delta) continue;
    const delta = choice.delta;
    if (typeof delta.content === "string") {
      if (delta.content && message.timeline.length && !message.thoughtUntil) message.thoughtUntil = Date.now();
      message.content += delta.content;
    }
    recordDelta(message.timeline, delta);
    if (delta.janus && delta.janus.event === "artifact" && delta.janus.payload) {
      message.artifacts.push(delta.janus.payload);
    }
  }
}

