// Chats out of and into the browser: a JSON export that imports back, and Markdown to read.

const FORMAT = "janus-chat";
const VERSION = 1;

function textOf(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (part.type === "text" ? part.text : part.type === "image_url" ? "[image]" : ""))
    .filter(Boolean)
    .join("\n\n");
}

/** The JSON export of `sessions` (everything the browser keeps of them). */
export function toJSON(sessions) {
  return JSON.stringify({ format: FORMAT, version: VERSION, sessions }, null, 2);
}

/** A readable Markdown transcript of one chat. */
export function toMarkdown(session) {
  const lines = [`# ${session.title}`, ""];
  for (const message of session.messages) {
    const who = message.role === "user" ? "You" : message.model || "Assistant";
    lines.push(`**${who}:**`, "", textOf(message.content) || "_(no text)_", "");
  }
  return lines.join("\n");
}

/**
 * The chats in an export's text, checked: a list of sessions with a title and messages of
 * known roles. Throws an Error saying what is wrong.
 */
export function fromJSON(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("The file is not JSON.");
  }
  if (!data || data.format !== FORMAT || !Array.isArray(data.sessions)) {
    throw new Error(`The file is not a Janus chat export (format "${FORMAT}").`);
  }
  return data.sessions.map((session, index) => {
    const where = `chat ${index + 1}`;
    if (!session || typeof session.title !== "string" || !Array.isArray(session.messages)) {
      throw new Error(`${where}: a chat needs a title and a list of messages.`);
    }
    for (const message of session.messages) {
      const known = message && (message.role === "user" || message.role === "assistant");
      if (!known || (typeof message.content !== "string" && !Array.isArray(message.content))) {
        throw new Error(`${where}: every message needs a role (user or assistant) and content.`);
      }
    }
    return session;
  });
}

/** Let the browser save `text` as the file `name`. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
