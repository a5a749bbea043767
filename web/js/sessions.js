// Chat sessions, kept in the browser only (localStorage): the gateway stores no chats.

const STORAGE_KEY = "janus.chat.sessions.v1";
const UNTITLED = "New chat";

function newId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .filter((part) => part.type === "text")
      .map((part) => part.text)
      .join(" ");
  }
  return "";
}

export class SessionStore {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    this.sessions = this.#load();
  }

  #load() {
    try {
      const stored = JSON.parse(this.storage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(stored) ? stored.filter((s) => s && s.id && Array.isArray(s.messages)) : [];
    } catch {
      return [];
    }
  }

  /** Persist; returns an error message when the browser refused (storage full). */
  save() {
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(this.sessions));
      return null;
    } catch (err) {
      return `This chat could not be saved in the browser (${err.name}): storage is full. Delete old chats or large images.`;
    }
  }

  create(model) {
    const now = Date.now();
    const session = { id: newId(), title: UNTITLED, model, created: now, updated: now, messages: [] };
    this.sessions.unshift(session);
    return session;
  }

  /** Add chats from an import, newest first; one whose id is taken gets a new id. */
  add(imported) {
    const added = imported.map((session) => {
      const id = session.id && !this.get(session.id) ? String(session.id) : newId();
      const now = Date.now();
      return { created: now, updated: now, model: null, ...session, id };
    });
    this.sessions.unshift(...added);
    return added;
  }

  get(id) {
    return this.sessions.find((s) => s.id === id) || null;
  }

  rename(id, title) {
    const session = this.get(id);
    if (session && title.trim()) session.title = title.trim().slice(0, 120);
  }

  remove(id) {
    this.sessions = this.sessions.filter((s) => s.id !== id);
  }

  /** Called when a prompt is added: the first prompt names an untitled session. */
  touch(session, prompt) {
    session.updated = Date.now();
    if (session.title === UNTITLED && prompt.trim()) session.title = prompt.trim().slice(0, 60);
    this.sessions.sort((a, b) => b.updated - a.updated);
  }

  /** Sessions whose title or messages contain `query` (case-insensitive), newest first. */
  search(query) {
    const needle = query.trim().toLowerCase();
    if (!needle) return this.sessions;
    return this.sessions.filter(
      (s) =>
        s.title.toLowerCase().includes(needle) ||
        s.messages.some((m) => textOf(m.content).toLowerCase().includes(needle)),
    );
  }
}
