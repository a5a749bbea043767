// The marketplace page: components with search and category filter; a detail view (by
// URL hash, so it can be linked) with the manifest, the contract and how to call it.

import "./header.js";
import { describeError, getJSON } from "./api.js";
import { errorBox, h } from "./dom.js";
import { highlight } from "./markdown.js";

const $ = (id) => document.getElementById(id);
let components = [];

const detailId = () => {
  const match = window.location.hash.match(/^#component=(.+)$/);
  return match ? decodeURIComponent(match[1]) : null;
};

function matches(component, needle, category) {
  if (category && component.category !== category) return false;
  if (!needle) return true;
  return [component.id, component.name, component.author, component.description, component.category]
    .filter(Boolean)
    .some((text) => String(text).toLowerCase().includes(needle));
}

function card(c) {
  return h(
    "li",
    {},
    h(
      "div",
      { class: "card component-card", dataset: { component: c.id } },
      h("h2", {}, h("a", { href: `#component=${encodeURIComponent(c.id)}`, text: c.name || c.id })),
      h(
        "div",
        { class: "meta" },
        h("span", { class: "badge", text: `v${c.version}` }),
        h("span", { class: "badge", text: c.contract }),
        c.category ? h("span", { class: "badge", text: c.category }) : null,
      ),
      h("p", { text: c.description || "" }),
      h(
        "div",
        { class: "meta" },
        h("span", { text: `by ${c.author || "unknown"}` }),
        h("span", { text: `· ${c.license || "no licence"}` }),
        h("span", { class: "usage", text: `· ${c.usage_count ?? 0} call${c.usage_count === 1 ? "" : "s"}` }),
      ),
    ),
  );
}

function renderList() {
  const needle = $("search").value.trim().toLowerCase();
  const category = $("category").value;
  const shown = components.filter((c) => matches(c, needle, category));
  $("count").textContent = `${shown.length} of ${components.length} component${components.length === 1 ? "" : "s"}`;
  $("cards").replaceChildren(
    ...(shown.length ? shown.map(card) : [h("li", { class: "muted", text: "No component matches." })]),
  );
}

function codeBlock(text, language) {
  const code = h("code", { class: language ? `language-${language}` : "", text });
  highlight(code);
  return h("pre", {}, code);
}

const HTTP_METHODS = ["get", "post", "put", "delete", "patch"];

/** A curl call of the component as a competitor makes it (platform URL and token). */
function exampleCall(c) {
  const base = `"$JANUS_PLATFORM_URL/components/${c.id}`;
  const auth = '-H "Authorization: Bearer $JANUS_PLATFORM_TOKEN"';
  const json = "-H 'Content-Type: application/json'";
  const doc = c.contract_document || {};
  if (c.contract === "mcp") {
    const tool = (doc.tools || [])[0];
    const params = { name: tool?.name || "TOOL", arguments: {} };
    const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params };
    return `curl -s -X POST ${base}/" ${auth} \\\n  ${json} \\\n  -d '${JSON.stringify(call)}'`;
  }
  const [path, item] = Object.entries(doc.paths || {})[0] || ["/", {}];
  const method = Object.keys(item || {}).find((m) => HTTP_METHODS.includes(m)) || "post";
  const data = method === "get" ? "" : ` \\\n  ${json} -d '{}'`;
  return `curl -s -X ${method.toUpperCase()} ${base}${path}" ${auth}${data}`;
}

function howToCall(c) {
  return h(
    "section",
    { "aria-labelledby": "call-title" },
    h("h3", { id: "call-title", text: "How to call it" }),
    h(
      "p",
      {},
      "A competitor calls components through the platform, with the per-request URL and token ",
      "the gateway sends it (",
      h("code", { text: "X-Janus-Platform-Url" }),
      ", ",
      h("code", { text: "X-Janus-Platform-Token" }),
      "). Endpoint: ",
      h("code", { text: c.endpoint || `/platform/components/${c.id}/` }),
    ),
    codeBlock(exampleCall(c), "bash"),
  );
}

function manifestList(c) {
  const rows = [
    ["Id", c.id],
    ["Version", c.version],
    ["Contract", c.contract],
    ["Category", c.category],
    ["Author", c.author],
    ["Licence", c.license],
    ["Calls", String(c.usage_count ?? 0)],
    ["Endpoint", c.endpoint],
    ["Docs", c.docs],
  ].filter(([, v]) => v);
  const value = (v) => (/^https?:\/\//.test(v) ? h("a", { href: v, text: v, rel: "noopener noreferrer" }) : v);
  return h("dl", { class: "manifest" }, rows.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", {}, value(v))]));
}

async function showDetail(id) {
  const view = $("detail-view");
  $("list-view").hidden = true;
  view.hidden = false;
  view.replaceChildren(h("p", { class: "muted", text: "Loading…" }));
  const back = h("p", {}, h("a", { href: "#", text: "← All components" }));
  try {
    const c = await getJSON(`/v1/marketplace/components/${encodeURIComponent(id)}`);
    const { contract_document: contractDocument, ...manifest } = c;
    view.replaceChildren(
      back,
      h("h2", { text: `${c.name || c.id} ${c.version ? `v${c.version}` : ""}`, tabindex: "-1" }),
      h("p", { text: c.description || "" }),
      manifestList(c),
      h("h3", { text: "Inputs and outputs" }),
      codeBlock(JSON.stringify({ inputs: c.inputs, outputs: c.outputs, resources: c.resources }, null, 2), "json"),
      howToCall(c),
      h("h3", { text: `Contract (${c.contract})` }),
      codeBlock(JSON.stringify(contractDocument ?? null, null, 2), "json"),
      h("h3", { text: "Manifest" }),
      codeBlock(JSON.stringify(manifest, null, 2), "json"),
    );
    document.title = `${c.name || c.id} · Marketplace · Janus`;
    view.querySelector("h2").focus();
  } catch (err) {
    view.replaceChildren(back, errorBox(`Could not load component ${id}: ${describeError(err)}`));
  }
}

function route() {
  const id = detailId();
  if (id) {
    showDetail(id);
    return;
  }
  document.title = "Marketplace · Janus";
  $("detail-view").hidden = true;
  $("list-view").hidden = false;
}

async function load() {
  try {
    components = (await getJSON("/v1/marketplace/components")).data;
    const categories = [...new Set(components.map((c) => c.category).filter(Boolean))].sort();
    $("category").append(...categories.map((c) => h("option", { value: c, text: c })));
    renderList();
  } catch (err) {
    $("list-error").replaceChildren(errorBox(`Could not load the components: ${describeError(err)}`));
  }
}

$("search").addEventListener("input", renderList);
$("category").addEventListener("change", renderList);
window.addEventListener("hashchange", route);
load();
route();
