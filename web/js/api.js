// The gateway's HTTP API as the pages use it: JSON in, OpenAI-shaped errors out.

const API_KEY = "janus.apiKey";

export function apiKey() {
  return localStorage.getItem(API_KEY) || "";
}

export function setApiKey(value) {
  if (value) localStorage.setItem(API_KEY, value);
  else localStorage.removeItem(API_KEY);
}

/** Headers for a request: the optional API key as a bearer token, plus `extra`. */
export function authHeaders(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : { ...extra };
}

/** An HTTP error with the gateway's error object (`message`, `type`, `code`, ...). */
export class ApiError extends Error {
  constructor(status, error, requestId) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.requestId = requestId;
  }
}

/** Read a failed response into an ApiError, whatever its body is. */
export async function errorFrom(response) {
  let error = null;
  const text = await response.text().catch(() => "");
  try {
    error = JSON.parse(text).error;
  } catch {
    // not JSON: the body text itself is the message
  }
  if (!error || typeof error !== "object") {
    error = { message: text.trim().slice(0, 500) || response.statusText || "no details" };
  }
  return new ApiError(response.status, error, response.headers.get("X-Request-Id"));
}

async function call(method, path, body) {
  const headers = authHeaders({ Accept: "application/json" });
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export const getJSON = (path) => call("GET", path);
export const postJSON = (path, body) => call("POST", path, body);

/** One line that says what failed: HTTP status, error code and the gateway's message. */
export function describeError(err) {
  if (err instanceof ApiError) {
    const code = err.error.code ? ` ${err.error.code}` : "";
    const id = err.requestId ? ` (request ${err.requestId})` : "";
    return `HTTP ${err.status}${code}: ${err.error.message}${id}`;
  }
  if (err instanceof TypeError) return `Network error: ${err.message}`;
  return String(err && err.message ? err.message : err);
}
