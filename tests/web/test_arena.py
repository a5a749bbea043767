"""The arena page in Chromium: a full battle, streamed side by side, a vote, the reveal and
the arena board on /competition, at desktop and phone sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.scripted_competitor import DONE, chunk, sse
from tests.web.scripts import Gate, gated_sse

pytestmark = pytest.mark.slow

LONG_LINE = "x = " + "1 + " * 60 + "1"  # a code line far wider than a phone


def speaker(gate: Gate, first: str, rest: str):
    return gated_sse(
        chunk(role="assistant", model="secret-model"),
        chunk(reasoning="Weighing the options.", model="secret-model"),
        chunk(first, model="secret-model"),
        gate,
        chunk(rest, model="secret-model", finish="stop"),
        DONE,
    )


@pytest.fixture(params=["desktop", "phone"])
def viewport_page(request):
    return request.getfixturevalue("browser_page" if request.param == "desktop" else "phone_page")


def test_a_battle_streams_both_answers_then_a_vote_reveals_who_answered(live, viewport_page):
    gate = Gate(live)
    _, alpha = live.competitor(
        speaker(gate, "Alpha's first words", f" and more.\n\n```python\n{LONG_LINE}\n```\n")
    )
    _, bravo = live.competitor(speaker(gate, "Bravo starts", " and **ends** here."))
    gateway = live.gateway({"alpha": alpha, "bravo": bravo})
    page = viewport_page.page
    page.goto(gateway + "/arena")
    expect(page.locator("#arena-panes")).to_be_hidden()
    expect(page.get_by_role("group", name="Which answer is better?")).to_be_hidden()

    page.get_by_label("Prompt").fill("Say something")
    page.get_by_label("Prompt").press("Control+Enter")
    pane_a, pane_b = page.locator("#pane-a .answer"), page.locator("#pane-b .answer")
    # Both answers are on screen while both streams are still open.
    expect(pane_a).not_to_be_empty()
    expect(pane_b).not_to_be_empty()
    for pane in ("#pane-a", "#pane-b"):  # each answer has its own Thinking panel
        expect(page.locator(f"{pane} details.thinking li.reasoning")).to_have_text(
            "Weighing the options."
        )
    firsts = {pane_a.inner_text(), pane_b.inner_text()}
    assert firsts == {"Alpha's first words", "Bravo starts"}
    votes = page.get_by_role("group", name="Which answer is better?").get_by_role("button")
    expect(votes).to_have_count(4)
    for button in votes.all():
        expect(button).to_be_disabled()
    expect(page.get_by_role("heading", name="Competitor A")).to_be_visible()
    assert "alpha" not in page.locator("#arena-panes").inner_text().lower().replace(
        "alpha's first words", ""
    )
    gate.open()
    expect(page.locator("#arena-panes strong")).to_have_text("ends")
    for button in votes.all():
        expect(button).to_be_enabled()
    expect(page.get_by_role("button", name="A is better")).to_be_focused()
    if viewport_page.page.viewport_size["width"] < 500:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px screen"
        viewport_page.screenshot("arena-phone")
    else:
        viewport_page.screenshot("arena-answers")

    a_was_alpha = "Alpha" in pane_a.inner_text()
    page.keyboard.press("Enter")  # votes for A, the focused button
    result = page.get_by_role("status")
    expect(result).to_contain_text("you voted that A is better")
    winner, loser = ("alpha", "bravo") if a_was_alpha else ("bravo", "alpha")
    expect(result).to_contain_text(f"A was {winner} ({winner})")
    expect(result).to_contain_text(f"B was {loser} ({loser})")
    expect(page.get_by_role("heading", name=f"A: {winner}")).to_be_visible()
    expect(page.get_by_role("button", name="New battle")).to_be_focused()
    expect(page.get_by_role("group", name="Which answer is better?")).to_be_hidden()
    if viewport_page.page.viewport_size["width"] >= 500:
        viewport_page.screenshot("arena-revealed")

    page.goto(gateway + "/competition")
    board = page.locator("#arena-board tbody tr")
    expect(board).to_have_count(2)
    expect(board.first.locator("th")).to_have_text(winner)
    expect(board.first.locator("td").last).to_have_text("1")
    expect(page.locator("#arena-style-board tbody tr")).to_have_count(2)
    expect(page.locator("#arena-votes")).to_have_text("1 vote.")
    viewport_page.assert_clean_console()


def test_the_arena_board_says_when_there_are_no_votes_and_a_failed_start_is_explained(
    live, browser_page
):
    _, alpha = live.competitor(gated_sse(chunk("hi"), DONE))
    gateway = live.gateway({"alpha": alpha})
    page = browser_page.page
    page.goto(gateway + "/competition")
    expect(page.locator("#arena-board tbody")).to_have_text(
        "No votes yet: run a battle in the arena."
    )
    page.goto(gateway + "/arena")
    page.get_by_role("button", name="Start battle").click()
    expect(page.get_by_role("alert")).to_have_text("Write a prompt first.")
    page.get_by_label("Prompt").fill("Anyone there?")
    page.get_by_role("button", name="Start battle").click()
    expect(page.get_by_role("alert")).to_contain_text("HTTP 503 arena_unavailable")
    expect(page.get_by_role("button", name="Start battle")).to_be_enabled()


def test_two_picked_models_are_compared_side_by_side_by_name_without_a_vote(live, phone_page):
    alpha, alpha_url = live.competitor(sse(chunk("Alpha says hi."), DONE))
    bravo, bravo_url = live.competitor(sse(chunk("Bravo says **hello**."), DONE))
    gateway = live.gateway({"alpha": alpha_url, "bravo": bravo_url})
    page = phone_page.page
    page.goto(gateway + "/arena")
    page.get_by_label("Compare two models I pick").check()
    page.get_by_label("Model A").select_option("bravo")
    page.get_by_label("Model B").select_option("alpha")
    page.get_by_label("Prompt").fill("Greet me")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="A: bravo")).to_be_visible()
    expect(page.get_by_role("heading", name="B: alpha")).to_be_visible()
    expect(page.locator("#pane-a .answer")).to_have_text("Bravo says hello.")
    expect(page.locator("#pane-b .answer")).to_have_text("Alpha says hi.")
    expect(page.get_by_role("group", name="Which answer is better?")).to_be_hidden()
    expect(page.get_by_role("button", name="New comparison")).to_be_focused()
    assert [r["model"] for r in bravo.requests] == ["bravo"]
    assert [r["model"] for r in alpha.requests] == ["alpha"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.assert_clean_console()
