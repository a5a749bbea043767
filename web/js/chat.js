// The chat page: sessions in the browser, a streamed answer rendered at most once per
// frame, a Stop button that keeps the partial answer, and every error shown as it came.

import "./header.js";
import { apiKey, authHeaders, describeError, errorFrom, getJSON, setApiKey } from "./api.js";
import { AnswerView, newAnswer, readAnswerStream, safeUrl } from "./answer.js";
import { Attachments } from "./attachments.js";
import { errorBox, h } from "./dom.js";
import { SessionStore } from "./sessions.js";
import { download, fromJSON, toJSON, toMarkdown } from "./transfer.js";

const $ = (id) => document.getElementById(id);
const ui = {
  sidebar: $("sidebar"),
  toggle: $("sidebar-toggle"),
  closeSidebar: $("sidebar-close"),
  newChat: $("new-chat"),
  search: $("session-search"),
  list: $("session-list"),
  storageError: $("storage-error"),
  apiKey: $("api-key"),
  title: $("chat-title"),
  model: $("model"),
  modelError: $("model-error"),
  notice: $("chat-notice"),
  busyElsewhere: $("busy-elsewhere"),
  settings: $("chat-settings"),
  system: $("system-prompt"),
  temperature: $("temperature"),
  maxTokens: $("max-tokens"),
  settingsError: $("settings-error"),
  exportJSON: $("export-json"),
  exportMarkdown: $("export-markdown"),
  importChats: $("import-chats"),
  messages: $("messages"),
  jump: $("jump-to-latest"),
  composer: $("composer"),
  prompt: $("prompt"),
  send: $("send"),
  stop: $("stop"),
  attach: $("attach"),
  attachInput: $("attach-input"),
  attachError: $("attach-error"),
  previews: $("previews"),
};

const store = new SessionStore();
let current = null; // the session on screen
let renaming = null; // id of the session whose name is being edited
let active = null; // the answer being streamed: {session, message, controller}
let renderQueued = false;
const views = new Map(); // assistant message -> its AnswerView while on screen

const attachments = new Attachments({
  input: ui.attachInput,
  dropZone: ui.composer,
  pasteTarget: ui.prompt,
  previews: ui.previews,
  onError: (message) => ui.attachError.replaceChildren(...(message ? [errorBox(message)] : [])),
});

function userView(message) {
  const parts = Array.isArray(message.content) ? message.content : [{ type: "text", text: message.content }];
  const text = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
  const images = parts
    .filter((p) => p.type === "image_url")
    .map((p) => safeUrl(p.image_url.url, { allowData: true }))
    .filter(Boolean);
  const bubble = h(
    "div",
    { class: "bubble" },
    text,
    images.length
      ? h("div", { class: "user-images" }, images.map((src) => h("img", { src, alt: "Attached image" })))
      : null,
  );
  const article = h(
    "article",
    { class: "message user", "aria-label": "Your message" },
    h("div", { class: "who", text: "You" }),
    bubble,
  );
  const tools = [];
  if (message.branches && message.branches.length > 1) {
    const at = message.branch;
    tools.push(
      h("button", {
        type: "button",
        class: "small",
        text: "‹",
        "aria-label": "Previous version of this message",
        disabled: at === 0,
        on: { click: () => showBranch(message, at - 1) },
      }),
      h("span", { class: "muted", text: `${at + 1} / ${message.branches.length}`, "aria-label": `Version ${at + 1} of ${message.branches.length}` }),
      h("button", {
        type: "button",
        class: "small",
        text: "›",
        "aria-label": "Next version of this message",
        disabled: at === message.branches.length - 1,
        on: { click: () => showBranch(message, at + 1) },
      }),
    );
  }
  if (typeof message.content === "string") {
    tools.push(
      h("button", {
        type: "button",
        class: "small",
        text: "Edit",
        "aria-label": "Edit this message",
        on: { click: () => editMessage(message, article, bubble) },
      }),
    );
  }
  if (tools.length) article.append(h("div", { class: "answer-actions" }, tools));
  return article;
}

/** An inline editor in place of the message; sending it branches the conversation. */
function editMessage(message, article, bubble) {
  const box = h("textarea", { rows: "3", "aria-label": "Edited message" });
  box.value = message.content;
  const cancel = () => renderConversation();
  const editor = h(
    "div",
    { class: "edit-message" },
    box,
    h(
      "div",
      { class: "answer-actions" },
      h("button", {
        type: "button",
        class: "primary small",
        text: "Send",
        "aria-label": "Send the edited message",
        on: { click: () => resend(message, box.value.trim()) },
      }),
      h("button", { type: "button", class: "small", text: "Cancel", on: { click: cancel } }),
    ),
  );
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel();
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      resend(message, box.value.trim());
    }
  });
  for (const child of [...article.children]) if (child !== article.firstChild) child.remove();
  article.append(editor);
  box.focus();
}

// Edit & resend keeps every version of the conversation from the edited message on: the
// message at the branch point holds them all (`branches`, each the messages from there to
// the end) and which one is on screen (`branch`).
function tailFrom(session, index) {
  const [head, ...rest] = session.messages.slice(index);
  const { branches, branch, ...plain } = head;
  return [plain, ...rest];
}

function putTail(session, index, tail, branches, branch) {
  const [head, ...rest] = tail;
  session.messages = [...session.messages.slice(0, index), { ...head, branches, branch }, ...rest];
}

async function resend(message, text) {
  if (active) {
    updateComposer(); // says which chat is still answering
    return;
  }
  if (!text || !ui.model.value || !takeSettings()) return;
  const session = current;
  const index = session.messages.indexOf(message);
  const branches = message.branches ? [...message.branches] : [null];
  branches[message.branches ? message.branch : 0] = tailFrom(session, index);
  branches.push([{ role: "user", content: text }]);
  putTail(session, index, branches[branches.length - 1], branches, branches.length - 1);
  store.touch(session, text);
  const reply = newAnswer(ui.model.value);
  session.model = ui.model.value;
  const messages = history(session.messages);
  session.messages.push(reply);
  await answer(session, reply, messages);
}

function showBranch(message, index) {
  const session = current;
  if (active || !message.branches || !message.branches[index]) return;
  const at = session.messages.indexOf(message);
  const branches = [...message.branches];
  branches[message.branch] = tailFrom(session, at);
  putTail(session, at, branches[index], branches, index);
  persist();
  renderConversation();
}

function renderConversation() {
  views.clear();
  ui.title.textContent = current.title;
  if (!current.messages.length) {
    ui.messages.replaceChildren(
      h(
        "div",
        { class: "empty-chat" },
        h("p", { text: "Ask a question, attach an image, or paste one." }),
        h("p", { text: "Answers stream from the competitor behind the model you pick." }),
      ),
    );
    updateJump();
    return;
  }
  ui.messages.replaceChildren(
    ...current.messages.map((message) => {
      if (message.role === "user") return userView(message);
      const last = message === current.messages[current.messages.length - 1];
      const view = new AnswerView(
        message,
        last
          ? {
              regenerate: () => regenerate(message),
              continue: () => continueAnswer(message),
              showVersion: (index) => showVersion(message, index),
            }
          : { showVersion: (index) => showVersion(message, index) },
      );
      views.set(message, view);
      const streaming = active !== null && active.message === message;
      view.render(streaming);
      view.thinking.open(streaming);
      return view.element;
    }),
  );
  scrollToEnd();
}

function scrollToEnd() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
  updateJump();
}

/** "Jump to the latest" shows whenever the end of the conversation is out of view. */
function updateJump() {
  ui.jump.hidden = atEnd();
}

function atEnd() {
  const m = ui.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 48;
}

/** At most one render per frame however fast chunks arrive. */
function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const view = active && views.get(active.message);
    if (!view) return;
    const follow = atEnd();
    view.render(true);
    if (follow) scrollToEnd();
    else updateJump();
  });
}

function renderSessionList() {
  const sessions = store.search(ui.search.value);
  if (!sessions.length) {
    ui.list.replaceChildren(h("li", { class: "muted", text: "No chats found." }));
    return;
  }
  ui.list.replaceChildren(...sessions.map(sessionItem));
}

function sessionItem(session) {
  const isCurrent = current && session.id === current.id;
  if (renaming === session.id) {
    const input = h("input", { type: "text", value: session.title, "aria-label": "Chat name" });
    const finish = (commit) => {
      if (renaming !== session.id) return;
      renaming = null;
      if (commit) {
        store.rename(session.id, input.value);
        persist();
      }
      renderSessionList();
      if (isCurrent) ui.title.textContent = session.title;
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") finish(true);
      if (event.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    requestAnimationFrame(() => {
      input.focus();
      input.select();
    });
    return h("li", { class: isCurrent ? "active" : "" }, input);
  }
  return h(
    "li",
    { class: isCurrent ? "active" : "" },
    h("button", {
      type: "button",
      class: "open-session",
      text: session.title,
      title: session.title,
      "aria-current": isCurrent ? "true" : null,
      on: { click: () => openSession(session.id) },
    }),
    h("button", {
      type: "button",
      class: "icon",
      text: "✎",
      "aria-label": `Rename ${session.title}`,
      on: {
        click: () => {
          renaming = session.id;
          renderSessionList();
        },
      },
    }),
    h("button", {
      type: "button",
      class: "icon",
      text: "✕",
      "aria-label": `Delete ${session.title}`,
      on: { click: () => deleteSession(session.id) },
    }),
  );
}

function persist() {
  const problem = store.save();
  ui.storageError.replaceChildren(...(problem ? [errorBox(problem)] : []));
}

// While an answer streams it is saved at most once a second, so a reload keeps what came.
const SAVE_WHILE_STREAMING_MS = 1000;
let saveTimer = null;

function saveSoon() {
  if (saveTimer !== null) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    persist();
  }, SAVE_WHILE_STREAMING_MS);
}

/** `/chat/<id>` opens that chat; its id, or null on plain `/chat`. */
function sessionIdFromPath() {
  const match = window.location.pathname.match(/^\/chat\/([^/]+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

/** Keep the address bar on the chat shown, so it can be bookmarked, shared between tabs
 * and reloaded ("push" adds a history entry, so Back returns to the previous chat). */
function showInAddressBar(session, how) {
  const path = `/chat/${encodeURIComponent(session.id)}`;
  if (window.location.pathname === path) return;
  if (how === "push") window.history.pushState(null, "", path);
  else window.history.replaceState(null, "", path);
}

function openSession(id, how = "push") {
  current = store.get(id);
  showInAddressBar(current, how);
  showSettings(current);
  ui.notice.replaceChildren();
  if (current.model && [...ui.model.options].some((o) => o.value === current.model)) {
    ui.model.value = current.model;
  }
  renderSessionList();
  renderConversation();
  updateComposer();
  setDrawer(false);
  ui.prompt.focus();
}

/** The chat list as a drawer (phones): open it, or close it and give focus back. */
function setDrawer(open) {
  const wasOpen = ui.sidebar.classList.contains("open");
  ui.sidebar.classList.toggle("open", open);
  ui.toggle.setAttribute("aria-expanded", String(open));
  if (open && !wasOpen) ui.newChat.focus();
  if (!open && wasOpen && ui.sidebar.contains(document.activeElement)) ui.toggle.focus();
}

/** A new chat, unless an empty one is there to use: clicks never pile up empty chats. */
function newSession() {
  const empty = current && !current.messages.length ? current : store.sessions.find((s) => !s.messages.length);
  if (empty) {
    openSession(empty.id);
    return;
  }
  const session = store.create(ui.model.value || null);
  persist();
  openSession(session.id);
}

function deleteSession(id) {
  const session = store.get(id);
  if (!session || !window.confirm(`Delete "${session.title}"?`)) return;
  if (active && active.session.id === id) active.controller.abort();
  store.remove(id);
  persist();
  if (current.id === id) {
    if (store.sessions.length) openSession(store.sessions[0].id);
    else newSession();
  } else {
    renderSessionList();
  }
}

/** What the gateway gets: `messages` without failed or empty answers. */
function history(messages) {
  return messages
    .filter((m) => m.role === "user" || (m.role === "assistant" && m.content))
    .map((m) => ({ role: m.role, content: m.content }));
}

async function send() {
  if (active) {
    updateComposer();
    return;
  }
  if (!takeSettings()) return;
  const text = ui.prompt.value.trim();
  const images = attachments.items;
  if (!text && !images.length) return;
  if (!ui.model.value) {
    ui.modelError.replaceChildren(errorBox("No model to send to: the model list did not load."));
    return;
  }
  attachments.take();
  ui.attachError.replaceChildren();
  ui.prompt.value = "";
  const content = images.length
    ? [
        ...(text ? [{ type: "text", text }] : []),
        ...images.map((image) => ({ type: "image_url", image_url: { url: image.url } })),
      ]
    : text;
  const session = current;
  session.model = ui.model.value;
  session.messages.push({ role: "user", content });
  store.touch(session, text || "Image");
  const message = newAnswer(session.model);
  const messages = history(session.messages);
  session.messages.push(message);
  await answer(session, message, messages);
}

// What an answer keeps per version (Regenerate keeps the earlier ones to page through).
const VERSION_FIELDS = [
  "model",
  "content",
  "timeline",
  "artifacts",
  "error",
  "stopped",
  "interrupted",
  "answeredBy",
  "thoughtUntil",
  "usage",
  "finishReason",
];
const CONTINUE_PROMPT = "Continue exactly where your previous answer stopped, without repeating any of it.";

function versionOf(message) {
  return Object.fromEntries(VERSION_FIELDS.map((field) => [field, message[field]]));
}

/** Ask again for the answer `message`, with the same conversation before it; the earlier
 * answer stays as a version to page back to. */
async function regenerate(message) {
  if (active || !ui.model.value || !takeSettings()) return;
  const session = current;
  const before = session.messages.slice(0, session.messages.indexOf(message));
  if (!message.versions) {
    message.versions = [versionOf(message)];
  } else {
    message.versions[message.version] = versionOf(message);
  }
  Object.assign(message, newAnswer(ui.model.value));
  message.versions.push(versionOf(message));
  message.version = message.versions.length - 1;
  await answer(session, message, history(before));
}

/** An answer cut off at the length limit goes on: the model is asked to continue, and what
 * it writes is added to the same answer (the request is not kept as a message). */
async function continueAnswer(message) {
  if (active || !takeSettings()) return;
  const session = current;
  const upTo = session.messages.slice(0, session.messages.indexOf(message) + 1);
  Object.assign(message, { finishReason: null, error: null, stopped: false, interrupted: false });
  await answer(session, message, [...history(upTo), { role: "user", content: CONTINUE_PROMPT }]);
}

function showVersion(message, index) {
  if (active || !message.versions || !message.versions[index]) return;
  message.versions[message.version] = versionOf(message);
  Object.assign(message, message.versions[index]);
  message.version = index;
  persist();
  renderConversation();
}

/** Stream the answer to `messages` into `message` (which is on screen in `session`). */
/** This chat's settings as the request sends them, or a message saying what is wrong. */
function readSettings() {
  const settings = { system: ui.system.value.trim() };
  const temperature = ui.temperature.value.trim();
  if (temperature) {
    const value = Number(temperature);
    if (!(value >= 0 && value <= 2)) return { problem: "Temperature must be a number from 0 to 2." };
    settings.temperature = value;
  }
  const maxTokens = ui.maxTokens.value.trim();
  if (maxTokens) {
    const value = Number(maxTokens);
    if (!Number.isInteger(value) || value < 1) return { problem: "Max tokens must be a whole number of at least 1." };
    settings.max_tokens = value;
  }
  return { settings };
}

/** Keep the settings with the chat on screen; false (and the reason shown) when invalid. */
function takeSettings() {
  const { settings, problem } = readSettings();
  ui.settingsError.replaceChildren(...(problem ? [errorBox(problem)] : []));
  if (problem) {
    ui.settings.open = true;
    return false;
  }
  current.settings = settings;
  return true;
}

function showSettings(session) {
  const settings = session.settings || {};
  ui.system.value = settings.system || "";
  ui.temperature.value = settings.temperature ?? "";
  ui.maxTokens.value = settings.max_tokens ?? "";
  ui.settingsError.replaceChildren();
}

async function answer(session, message, messages) {
  const settings = session.settings || {};
  const body = {
    model: message.model,
    stream: true,
    stream_options: { include_usage: true },
    messages: settings.system ? [{ role: "system", content: settings.system }, ...messages] : messages,
  };
  if (settings.temperature !== undefined) body.temperature = settings.temperature;
  if (settings.max_tokens !== undefined) body.max_tokens = settings.max_tokens;
  message.streaming = true; // saved so: a reload mid-answer finds it interrupted
  active = { session, message, controller: new AbortController() };
  persist();
  setStreaming(true);
  renderSessionList();
  renderConversation();
  try {
    await stream(body, message, active.controller.signal);
  } catch (err) {
    if (err.name === "AbortError") message.stopped = true;
    else message.error = describeError(err);
  } finally {
    active = null;
    delete message.streaming;
    if (message.versions) message.versions[message.version] = versionOf(message);
    setStreaming(false);
    persist();
    const view = views.get(message);
    if (view) {
      const follow = atEnd();
      view.render(false);
      view.thinking.open(false);
      if (follow) scrollToEnd();
      else updateJump();
    }
  }
}

async function stream(body, message, signal) {
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await errorFrom(response);
  if (!(response.headers.get("Content-Type") || "").includes("text/event-stream")) {
    takeCompletion(message, await response.json());
    return;
  }
  await readAnswerStream(response, message, () => {
    queueRender();
    saveSoon();
  });
}

function takeCompletion(message, completion) {
  if (typeof completion.model === "string") message.answeredBy = completion.model.slice(0, 100);
  const answer = completion.choices?.[0]?.message || {};
  message.content = answer.content || "";
  if (answer.reasoning_content) {
    message.timeline.push({ kind: "reasoning", text: answer.reasoning_content, at: Date.now() });
  }
  message.artifacts.push(...(answer.artifacts || []));
  message.usage = completion.usage || null;
}

function setStreaming(on) {
  updateComposer();
  if (!on && document.activeElement === document.body) ui.prompt.focus();
}

/** Send, Stop and the busy state for the chat on screen. One answer streams at a time: in
 * another chat, Stop is not offered (it would stop that other answer) and a note says why
 * sending waits. */
function updateComposer() {
  const here = active !== null && current !== null && active.session.id === current.id;
  ui.send.disabled = active !== null;
  ui.stop.hidden = !here;
  ui.messages.setAttribute("aria-busy", here ? "true" : "false");
  if (active === null || here) {
    ui.busyElsewhere.replaceChildren();
    return;
  }
  ui.busyElsewhere.replaceChildren(
    h(
      "p",
      { class: "note", role: "status" },
      `"${active.session.title}" is still answering: send here once it has finished, or `,
      h("button", {
        type: "button",
        class: "link",
        text: "go to it",
        on: { click: () => openSession(active.session.id) },
      }),
      " to stop it.",
    ),
  );
}

async function loadModels() {
  try {
    const models = await getJSON("/v1/models");
    ui.model.replaceChildren(
      ...models.data.map((m) =>
        h("option", { value: m.id, text: m.owned_by && m.owned_by !== m.id ? `${m.id} (${m.owned_by})` : m.id }),
      ),
    );
    ui.modelError.replaceChildren(
      ...(models.data.length ? [] : [errorBox("The gateway lists no models: no competitor is configured.")]),
    );
    if (current.model && models.data.some((m) => m.id === current.model)) ui.model.value = current.model;
  } catch (err) {
    ui.modelError.replaceChildren(errorBox(`Could not load the models: ${describeError(err)}`));
  }
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
ui.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
ui.stop.addEventListener("click", () => {
  if (active) active.controller.abort();
  ui.prompt.focus();
});
ui.attach.addEventListener("click", () => ui.attachInput.click());
ui.messages.addEventListener("scroll", updateJump, { passive: true });
ui.jump.addEventListener("click", () => {
  scrollToEnd();
  ui.prompt.focus();
});
ui.newChat.addEventListener("click", newSession);
ui.search.addEventListener("input", renderSessionList);
ui.model.addEventListener("change", () => {
  current.model = ui.model.value;
  persist();
});
for (const field of [ui.system, ui.temperature, ui.maxTokens]) {
  field.addEventListener("change", () => {
    if (takeSettings()) persist();
  });
}
function fileName(session, extension) {
  const base = session.title.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
  return `${base || "chat"}.${extension}`;
}

ui.exportJSON.addEventListener("click", () =>
  download(fileName(current, "json"), toJSON([current]), "application/json"),
);
ui.exportMarkdown.addEventListener("click", () =>
  download(fileName(current, "md"), toMarkdown(current), "text/markdown"),
);
ui.importChats.addEventListener("change", async () => {
  const file = ui.importChats.files[0];
  ui.importChats.value = "";
  if (!file) return;
  try {
    const added = store.add(fromJSON(await file.text()));
    persist();
    if (added.length) openSession(added[0].id);
  } catch (err) {
    ui.storageError.replaceChildren(errorBox(`Could not import ${file.name}: ${err.message}`));
  }
});
ui.apiKey.value = apiKey();
ui.apiKey.addEventListener("change", () => setApiKey(ui.apiKey.value.trim()));
ui.toggle.addEventListener("click", () => setDrawer(!ui.sidebar.classList.contains("open")));
ui.closeSidebar.addEventListener("click", () => setDrawer(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && ui.sidebar.classList.contains("open")) setDrawer(false);
});
document.addEventListener("click", (event) => {
  const outside = !ui.sidebar.contains(event.target) && !ui.toggle.contains(event.target);
  if (outside && ui.sidebar.classList.contains("open")) setDrawer(false);
});

window.addEventListener("popstate", () => {
  const id = sessionIdFromPath();
  if (id && store.get(id) && (!current || current.id !== id)) openSession(id, "none");
});

// An answer still marked as streaming was cut short when the page went away.
for (const session of store.sessions) {
  for (const message of session.messages) {
    if (message.streaming) {
      delete message.streaming;
      message.interrupted = true;
    }
  }
}

const linked = sessionIdFromPath();
if (!store.sessions.length) store.create(null);
current = (linked && store.get(linked)) || store.sessions[0];
showInAddressBar(current, "replace");
showSettings(current);
if (linked && !store.get(linked)) {
  ui.notice.replaceChildren(
    errorBox(`The chat ${linked} is not in this browser: chats are kept only in the browser that had them.`),
  );
}
renderSessionList();
renderConversation();
loadModels();
