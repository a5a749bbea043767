// The arena page: one prompt, two anonymous answers streamed side by side, one vote, then
// who answered. The API is specs/arena.md; the answers render like the chat's. The same
// view compares two models the person picks (named, no vote) through the chat API.

import "./header.js";
import { authHeaders, describeError, errorFrom, getJSON, postJSON } from "./api.js";
import { AnswerView, newAnswer, readAnswerStream } from "./answer.js";
import { errorBox, h } from "./dom.js";

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("arena-form"),
  prompt: $("arena-prompt"),
  start: $("arena-start"),
  next: $("arena-next"),
  error: $("arena-error"),
  panes: $("arena-panes"),
  vote: $("vote"),
  result: $("vote-result"),
  modes: document.querySelectorAll("input[name=mode]"),
  compare: $("compare-models"),
  models: { a: $("compare-a"), b: $("compare-b") },
  sides: {
    a: { title: $("pane-a-title"), body: $("pane-a") },
    b: { title: $("pane-b-title"), body: $("pane-b") },
  },
};
const LABELS = { a: "A", b: "B" };
const VERDICTS = { a: "A is better", b: "B is better", tie: "a tie", both_bad: "both are bad" };

let battle = null; // {id, streams, views: {a, b}}
let renderQueued = false;

function showError(text) {
  ui.error.replaceChildren(...(text ? [errorBox(text)] : []));
}

/** Both panes re-render at most once per frame, however fast chunks arrive. */
function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    if (!battle) return;
    for (const view of Object.values(battle.views)) view.render(!view.done);
  });
}

function comparing() {
  return [...ui.modes].some((input) => input.checked && input.value === "compare");
}

async function start() {
  const text = ui.prompt.value.trim();
  if (!text) {
    showError("Write a prompt first.");
    ui.prompt.focus();
    return;
  }
  showError("");
  ui.result.replaceChildren();
  ui.start.disabled = true;
  const messages = [{ role: "user", content: text }];
  let requests;
  if (comparing()) {
    requests = compareRequests(messages);
  } else {
    try {
      const created = await postJSON("/v1/arena/battles", { messages });
      requests = battleRequests(created);
    } catch (err) {
      showError(`Could not start a battle: ${describeError(err)}`);
      ui.start.disabled = false;
      return;
    }
  }
  battle = { id: requests.id, views: {} };
  for (const side of ["a", "b"]) {
    const view = new AnswerView(newAnswer(requests.labels[side]));
    view.done = false;
    battle.views[side] = view;
    ui.sides[side].title.textContent = requests.titles[side];
    ui.sides[side].body.replaceChildren(view.element);
    view.render(true);
    view.thinking.open(true);
  }
  ui.panes.hidden = false;
  ui.panes.setAttribute("aria-busy", "true");
  ui.vote.hidden = requests.id === null;
  ui.vote.disabled = true;
  ui.prompt.disabled = true;
  for (const input of ui.modes) input.disabled = true;
  const current = battle;
  await Promise.all(["a", "b"].map((side) => streamSide(current, side, requests.open[side])));
  if (battle !== current) return;
  ui.panes.setAttribute("aria-busy", "false");
  if (requests.id === null) {
    finish();
    return;
  }
  ui.vote.disabled = false;
  ui.vote.querySelector("button").focus();
}

/** An anonymous battle: its two streams, as the battle names them. */
function battleRequests(created) {
  const open = (side) => () =>
    fetch(created.streams[side], { headers: authHeaders({ Accept: "text/event-stream" }) });
  return {
    id: created.id,
    labels: LABELS,
    titles: { a: "Competitor A", b: "Competitor B" },
    open: { a: open("a"), b: open("b") },
  };
}

/** Two models the person picked, named, each through the chat API; nothing to vote on. */
function compareRequests(messages) {
  const model = { a: ui.models.a.value, b: ui.models.b.value };
  const open = (side) => () =>
    fetch("/v1/chat/completions", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify({
        model: model[side],
        stream: true,
        stream_options: { include_usage: true },
        messages,
      }),
    });
  return {
    id: null,
    labels: model,
    titles: { a: `A: ${model.a}`, b: `B: ${model.b}` },
    open: { a: open("a"), b: open("b") },
  };
}

async function streamSide(current, side, open) {
  const view = current.views[side];
  try {
    const response = await open();
    if (!response.ok) throw await errorFrom(response);
    await readAnswerStream(response, view.message, queueRender);
  } catch (err) {
    view.message.error = describeError(err);
  } finally {
    view.done = true;
    view.render(false);
    view.thinking.open(false);
  }
}

async function vote(winner) {
  if (!battle) return;
  ui.vote.disabled = true;
  try {
    const voted = await postJSON(`/v1/arena/battles/${encodeURIComponent(battle.id)}/vote`, { winner });
    reveal(voted);
  } catch (err) {
    ui.vote.disabled = false;
    ui.result.replaceChildren(errorBox(`The vote was not counted: ${describeError(err)}`));
  }
}

function reveal(voted) {
  const who = voted.competitors || {};
  for (const side of ["a", "b"]) {
    const competitor = who[side];
    const name = competitor ? competitor.name || competitor.id : "unknown";
    ui.sides[side].title.textContent = `${LABELS[side]}: ${name}`;
  }
  const names = ["a", "b"].map((side) => {
    const competitor = who[side];
    return h("li", {}, h("strong", { text: `${LABELS[side]} was ` }), competitor ? `${competitor.name} (${competitor.id})` : "unknown");
  });
  ui.result.replaceChildren(
    h(
      "div",
      { class: "card reveal", role: "status" },
      h("p", { text: `Thanks: you voted that ${VERDICTS[voted.winner] || voted.winner}.` }),
      h("ul", {}, names),
    ),
  );
  finish();
}

/** The battle or comparison is over: offer the next one. */
function finish() {
  ui.vote.hidden = true;
  ui.start.hidden = true;
  ui.next.textContent = battle && battle.id === null ? "New comparison" : "New battle";
  ui.next.hidden = false;
  ui.next.focus();
}

function reset() {
  battle = null;
  ui.prompt.disabled = false;
  for (const input of ui.modes) input.disabled = false;
  ui.prompt.value = "";
  ui.start.hidden = false;
  ui.start.disabled = false;
  ui.next.hidden = true;
  ui.panes.hidden = true;
  ui.vote.hidden = true;
  ui.result.replaceChildren();
  showError("");
  ui.prompt.focus();
}

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!ui.start.disabled && !ui.start.hidden) start();
});
ui.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.vote.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-winner]");
  if (button) vote(button.dataset.winner);
});
ui.next.addEventListener("click", reset);
for (const input of ui.modes) {
  input.addEventListener("change", () => {
    ui.compare.hidden = !comparing();
    ui.start.textContent = comparing() ? "Compare" : "Start battle";
  });
}

async function loadModels() {
  try {
    const models = (await getJSON("/v1/models")).data.map((m) => m.id);
    for (const [side, select] of Object.entries(ui.models)) {
      select.replaceChildren(...models.map((id) => h("option", { value: id, text: id })));
      select.value = models[side === "a" ? 0 : Math.min(1, models.length - 1)] || "";
    }
  } catch (err) {
    showError(`Could not load the models to compare: ${describeError(err)}`);
  }
}

loadModels();
