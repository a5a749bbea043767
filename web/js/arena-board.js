// The arena boards on the competition page: Bradley-Terry ratings from votes, plain and
// style-controlled, with their 95% intervals and vote counts (specs/arena.md).

import { describeError, getJSON } from "./api.js";
import { errorBox, h } from "./dom.js";

const $ = (id) => document.getElementById(id);

function row(entry) {
  return h(
    "tr",
    {},
    h("td", { text: String(entry.rank) }),
    h("th", { scope: "row" }, entry.name, entry.name !== entry.competitor_id ? h("span", { class: "muted", text: ` ${entry.competitor_id}` }) : null),
    h("td", { text: entry.rating.toFixed(0) }),
    h("td", { text: `${entry.ci_low.toFixed(0)} – ${entry.ci_high.toFixed(0)}` }),
    h("td", { text: String(entry.votes) }),
  );
}

function fill(table, board) {
  const body = table.querySelector("tbody");
  if (!board.data.length) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: "5", class: "muted", text: "No votes yet: run a battle in the arena." })));
    return;
  }
  body.replaceChildren(...board.data.map(row));
}

async function load() {
  try {
    const board = await getJSON("/v1/arena/leaderboard");
    fill($("arena-board"), board.bradley_terry);
    fill($("arena-style-board"), board.style_controlled);
    $("arena-votes").textContent = `${board.votes} vote${board.votes === 1 ? "" : "s"}.`;
  } catch (err) {
    $("arena-error").replaceChildren(errorBox(`Could not load the arena board: ${describeError(err)}`));
  }
}

load();
