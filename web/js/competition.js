// The competition page: the live leaderboard (ranked rows, then the rows listed apart),
// the reward ledger, the scoring formula with the configured weights, and the submission
// form with its conformance report.

import "./header.js";
import { ApiError, apiKey, describeError, getJSON, postJSON, setApiKey } from "./api.js";
import { errorBox, formatTime, h } from "./dom.js";

const COMPONENTS = ["quality", "speed", "cost", "streaming", "multimodal"];
const MEANING = {
  quality: "Answers judged correct against the task's reference",
  speed: "Time to first token and total time",
  cost: "What the platform metered: tokens, sandbox seconds, tool calls",
  streaming: "Continuity of real token flow: gaps, burstiness",
  multimodal: "Tasks with images",
};
const REFRESH_MS = 30000;
const SUITE_KIND = {
  public: "public: its answers ship with the bench",
  private: "private",
  generated: "generated fresh for every evaluation",
};

const $ = (id) => document.getElementById(id);
let board = null; // the last leaderboard response
let sort = { key: "rank", descending: false };

const COLUMNS = [
  { key: "rank", label: "Rank", value: (r) => r.rank ?? Infinity },
  { key: "name", label: "Competitor", value: (r) => (r.name || r.competitor_id).toLowerCase() },
  { key: "composite", label: "Composite (95% CI)", value: (r) => r.composite },
  ...COMPONENTS.map((c) => ({ key: c, label: c[0].toUpperCase() + c.slice(1), value: (r) => r.components?.[c] ?? -1 })),
  { key: "days_at_first", label: "Days at #1", value: (r) => r.days_at_first ?? 0 },
  { key: "evaluated_at", label: "Evaluated", value: (r) => r.evaluated_at ?? 0 },
];

function percent(x) {
  return Number.isFinite(x) ? Math.max(0, Math.min(100, x)) : 0;
}

function ciBar(row) {
  const bar = h("div", { class: "ci-bar", "aria-hidden": "true" });
  if (row.ci) {
    const range = h("div", { class: "range" });
    range.style.left = `${percent(row.ci.low)}%`;
    range.style.width = `${percent(row.ci.high) - percent(row.ci.low)}%`;
    bar.append(range);
  }
  const point = h("div", { class: "point" });
  point.style.left = `${percent(row.composite)}%`;
  bar.append(point);
  return bar;
}

function compositeCell(row) {
  const ci = row.ci ? ` [${row.ci.low.toFixed(1)}–${row.ci.high.toFixed(1)}]` : " (no CI)";
  return h(
    "td",
    { dataset: { col: "composite" } },
    h("strong", { text: Number.isFinite(row.composite) ? row.composite.toFixed(1) : "–" }),
    h("span", { class: "muted", text: ci }),
    ciBar(row),
  );
}

const DASH = "\u2013";

function componentCell(value, name) {
  return h("td", { dataset: { col: name }, text: Number.isFinite(value) ? (value * 100).toFixed(0) : "–" });
}

function renderHead() {
  const head = $("leaderboard").tHead;
  head.replaceChildren(
    h(
      "tr",
      {},
      COLUMNS.map((col) => {
        const sorted = sort.key === col.key;
        return h(
          "th",
          { scope: "col", "aria-sort": sorted ? (sort.descending ? "descending" : "ascending") : "none" },
          h("button", {
            type: "button",
            class: "sort",
            text: col.label + (sorted ? (sort.descending ? " ▼" : " ▲") : ""),
            on: { click: () => sortBy(col.key) },
          }),
        );
      }),
    ),
  );
}

function sortBy(key) {
  sort = sort.key === key ? { key, descending: !sort.descending } : { key, descending: key !== "rank" && key !== "name" };
  renderBoard();
}

function renderBoard() {
  renderHead();
  const body = $("leaderboard").tBodies[0];
  if (!board) return;
  if (!board.data.length) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: COLUMNS.length, class: "muted", text: "No competitor has been evaluated yet." })));
    return;
  }
  const column = COLUMNS.find((c) => c.key === sort.key);
  const rows = [...board.data].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return sort.descending ? -order : order;
  });
  body.replaceChildren(
    ...rows.map((row) =>
      h(
        "tr",
        { class: row.champion ? "champion" : "", dataset: { competitor: row.competitor_id } },
        h("td", { dataset: { col: "rank" }, text: row.ranked === false ? DASH : row.rank }),
        h(
          "td",
          { dataset: { col: "name" } },
          h("strong", { text: row.name || row.competitor_id }),
          row.name && row.name !== row.competitor_id ? h("div", { class: "muted", text: row.competitor_id }) : null,
          row.champion ? h("span", { class: "badge champion", text: "Champion" }) : null,
          row.imported ? h("span", { class: "badge imported", text: row.signed_by ? `Imported (signed by ${row.signed_by})` : "Imported" }) : null,
          row.ranked === false ? h("span", { class: "badge unranked", text: `Not ranked: ${row.unranked_reason}` }) : null,
          row.audit ? h("div", { class: "muted", dataset: { audit: row.audit.passed ? "passed" : "failed" }, text: `Audit ${row.audit.passed ? "passed" : "failed"} ${formatTime(row.audit.finished_at)}` }) : null,
        ),
        compositeCell(row),
        COMPONENTS.map((c) => componentCell(row.components?.[c], c)),
        h("td", { dataset: { col: "days_at_first" }, text: row.days_at_first ?? 0 }),
        h("td", { dataset: { col: "evaluated_at" }, text: formatTime(row.evaluated_at) }),
      ),
    ),
  );
}

function renderFormula(weights) {
  const names = COMPONENTS.filter((c) => c in weights).concat(Object.keys(weights).filter((c) => !COMPONENTS.includes(c)));
  const total = names.reduce((sum, c) => sum + Number(weights[c]), 0) || 1;
  $("formula").textContent =
    "composite = 100 × (" + names.map((c) => `${(weights[c] / total).toFixed(2)} × ${c}`).join(" + ") + ")";
  $("weights").tBodies[0].replaceChildren(
    ...names.map((c) =>
      h(
        "tr",
        { dataset: { component: c } },
        h("td", { text: c }),
        h("td", { text: `${weights[c]} (${((100 * weights[c]) / total).toFixed(0)}%)` }),
        h("td", { text: MEANING[c] || "" }),
      ),
    ),
  );
}

async function refresh() {
  try {
    board = await getJSON("/v1/leaderboard");
    $("board-error").replaceChildren();
    const suite = board.suite || {};
    const kind = suite.kind ? `; ${SUITE_KIND[suite.kind] || suite.kind}` : "";
    $("suite").textContent = suite.id ? `Suite ${suite.id}, version ${suite.version} (${suite.hash || "no hash"})${kind}` : "";
    $("suspended").replaceChildren(
      ...(board.suspended || []).map((s) =>
        h("p", { class: "muted", dataset: { competitor: s.competitor_id } }, `Off the board after a failed audit: ${s.name || s.competitor_id}. ${s.audit?.reason || ""}`),
      ),
    );
    renderFormula(board.weights || {});
    renderBoard();
    $("board-updated").textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`;
  } catch (err) {
    $("board-error").replaceChildren(errorBox(`Could not load the leaderboard: ${describeError(err)}`));
  }
}

function link(url) {
  return /^https?:\/\//.test(url || "") ? h("a", { href: url, text: url, rel: "noopener noreferrer" }) : url || "";
}

async function refreshRewards() {
  try {
    const ledger = await getJSON("/v1/rewards");
    $("rewards-error").replaceChildren();
    const policy = ledger.policy;
    $("rewards-policy").textContent = policy
      ? `Policy ${policy.name}: ` + Object.entries(policy.parameters).map(([k, v]) => `${k} ${v}`).join(", ")
      : "Rewards are off.";
    const unit = policy?.parameters?.unit || "";
    const rows = ledger.data.slice(-14).reverse().flatMap((period) =>
      period.payouts.map((p) =>
        h(
          "tr",
          { dataset: { period: period.period, recipient: p.recipient_id } },
          h("td", { text: period.period }),
          h("td", { text: p.recipient_id }),
          h("td", { text: p.recipient_kind }),
          h("td", { text: p.rank ?? DASH }),
          h("td", { class: "number", text: `${p.amount.toFixed(2)} ${unit}`.trim() }),
        ),
      ),
    );
    $("rewards").tBodies[0].replaceChildren(
      ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 5, class: "muted", text: "No rewards yet: a period is paid once it has closed." }))]),
    );
  } catch (err) {
    $("rewards-error").replaceChildren(errorBox(`Could not load the rewards: ${describeError(err)}`));
  }
}

async function refreshCompetitors() {
  try {
    const { data } = await getJSON("/v1/competitors");
    $("competitors-error").replaceChildren();
    $("competitors").tBodies[0].replaceChildren(
      ...(data.length
        ? data.map((c) =>
            h(
              "tr",
              { dataset: { competitor: c.id } },
              h("td", {}, h("strong", { text: c.name || c.id }), h("div", { class: "muted", text: c.description || c.id })),
              h("td", { text: c.license || "" }),
              h("td", {}, link(c.source_url)),
              h("td", {}, h("span", { class: "badge", text: c.status || "" })),
              h("td", { text: formatTime(c.submitted_at) }),
            ),
          )
        : [h("tr", {}, h("td", { colspan: 5, class: "muted", text: "No competitor yet." }))]),
    );
  } catch (err) {
    $("competitors-error").replaceChildren(errorBox(`Could not load the competitors: ${describeError(err)}`));
  }
}

function checksTable(checks) {
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { class: "checks" },
      h("caption", { class: "visually-hidden", text: "Conformance checks" }),
      h(
        "thead",
        {},
        h("tr", {}, ["Check", "Result", "Detail", "Seconds"].map((t) => h("th", { scope: "col", text: t }))),
      ),
      h(
        "tbody",
        {},
        checks.map((check) =>
          h(
            "tr",
            { dataset: { check: check.name, passed: String(Boolean(check.passed)) } },
            h("td", { text: check.name }),
            h("td", { class: check.passed ? "check-pass" : "check-fail", text: check.passed ? "✓ pass" : "✗ fail" }),
            h("td", { text: check.detail || "" }),
            h("td", { text: Number.isFinite(check.seconds) ? check.seconds.toFixed(2) : "" }),
          ),
        ),
      ),
    ),
  );
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const result = $("submit-result");
  const fields = Object.fromEntries(new FormData(form).entries());
  setApiKey((fields.api_key || "").trim());
  delete fields.api_key;
  const body = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v));
  if (!body.id || (!body.url && !body.image)) {
    result.replaceChildren(errorBox("An id and either a URL or an image are required."));
    return;
  }
  const button = $("submit-button");
  button.disabled = true;
  result.replaceChildren(h("p", { class: "muted", text: "Running the conformance checks…" }));
  try {
    const accepted = await postJSON("/v1/competitors", body);
    const report = accepted.conformance || { checks: [] };
    result.replaceChildren(
      h("p", { class: "check-pass", text: `Accepted: ${accepted.competitor?.id || body.id} passed every conformance check.` }),
      accepted.owner_key
        ? h(
            "p",
            { class: "owner-key" },
            "Your owner key, shown only now (it opens your per-task results once a run has ended): ",
            h("code", { text: accepted.owner_key }),
          )
        : null,
      checksTable(report.checks || []),
    );
    refresh();
    refreshCompetitors();
  } catch (err) {
    const checks = err instanceof ApiError && Array.isArray(err.error.checks) ? err.error.checks : null;
    result.replaceChildren(
      errorBox(err instanceof ApiError && err.status === 422 && checks ? `Rejected: ${err.error.message}` : describeError(err)),
      ...(checks ? [h("p", { text: "Failing checks:" }), checksTable(checks)] : []),
    );
  } finally {
    button.disabled = false;
  }
}

$("submit-form").api_key.value = apiKey();
$("submit-form").addEventListener("submit", submit);
function refreshAll() {
  refresh();
  refreshCompetitors();
  refreshRewards();
}

renderHead();
refreshAll();
setInterval(() => {
  if (document.visibilityState === "visible") refreshAll();
}, REFRESH_MS);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshAll();
});
