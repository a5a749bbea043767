"""The chat page in Chromium against a real gateway and scripted competitors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import time
import zlib

import pytest
from playwright.sync_api import expect

from tests.scripted_competitor import DONE, FOREVER, answer, chunk, sse
from tests.web.scripts import Gate, event, gated_sse, in_band_error

pytestmark = pytest.mark.slow

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CSV = b"city,temperature\nOslo,4\nLima,19\n"


def bar_chart_png(values: list[int], width: int = 240, height: int = 120) -> bytes:
    """A real PNG (a small bar chart) so that a screenshot shows a visible image."""
    bar = width // len(values)

    def pixel(x: int, y: int) -> bytes:
        value = values[min(x // bar, len(values) - 1)]
        inside = x % bar > 4 and height - y <= value
        return bytes((75, 63, 214) if inside else (240, 241, 244))

    rows = b"".join(b"\0" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def part(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + part(b"IHDR", header)
        + part(b"IDAT", zlib.compress(rows))
        + part(b"IEND", b"")
    )


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def artifact(name: str, mime: str, data: bytes) -> bytes:
    return event(
        "artifact",
        {
            "id": name,
            "type": "file",
            "mime_type": mime,
            "display_name": name,
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "created_at": 1,
            "url": data_url(mime, data),
        },
    )


def open_chat(browser_page, gateway: str):
    page = browser_page.page
    page.goto(gateway + "/chat")
    expect(page.locator("#model option").first).to_be_attached()
    return page


def ask(page, prompt: str) -> None:
    page.get_by_label("Message", exact=True).fill(prompt)
    page.get_by_label("Message", exact=True).press("Enter")


def answer_of(page, index: int = -1):
    answers = page.locator("article.message.assistant")
    return answers.nth(index) if index >= 0 else answers.last


def test_a_prompt_with_an_image_is_sent_and_the_answer_renders_as_it_streams(live, browser_page):
    gate = Gate(live)
    competitor, url = live.competitor(
        gated_sse(
            chunk(role="assistant"), chunk("First part"), gate, chunk(" and **the rest**."), DONE
        )
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    page.locator("#attach-input").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(page.get_by_role("img", name="Attached: dot.png")).to_be_visible()
    ask(page, "What is in this picture?")

    reply = answer_of(page).locator(".answer")
    expect(reply).to_have_text("First part")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.locator("#previews img")).to_have_count(0)
    browser_page.screenshot("chat-streaming")
    gate.open()
    expect(reply).to_have_text("First part and the rest.")
    expect(reply.locator("strong")).to_have_text("the rest")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()

    (request,) = competitor.requests
    assert request["stream"] is True and request["model"] == "janus"
    assert request["messages"][-1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
        ],
    }
    expect(page.locator(".message.user .user-images img")).to_have_count(1)
    browser_page.screenshot("chat-image")
    page.reload()
    expect(answer_of(page).locator(".answer")).to_have_text("First part and the rest.")
    browser_page.assert_clean_console()


AGENT_ANSWER = """Oslo was the coldest city this week: **4 °C** on average.

| City | Mean °C |
|------|--------:|
| Oslo | 4 |
| Lima | 19 |

The chart came from this script:

```python
import csv
rows = list(csv.DictReader(open("weather.csv")))
print(min(rows, key=lambda r: float(r["temperature"])))
```
"""


def test_a_full_agent_answer_renders_steps_markdown_and_files(live, browser_page):
    chart = bar_chart_png([40, 110, 75, 95, 20, 60])
    pieces = [AGENT_ANSWER[i : i + 40] for i in range(0, len(AGENT_ANSWER), 40)]
    _, url = live.competitor(
        sse(
            chunk(role="assistant"),
            chunk(reasoning="The user wants the coldest city; I will search, then compute."),
            event("tool_start", {"name": "search", "query": "weekly temperatures"}),
            event("tool_end", {"name": "search", "status": "ok"}),
            event("sandbox_start", {"command": "python chart.py"}),
            event("sandbox_end", {"exit_code": 0}),
            artifact("chart.png", "image/png", chart),
            artifact("weather.csv", "text/csv", CSV),
            *(chunk(piece) for piece in pieces),
            chunk(
                choices=[],
                usage={"prompt_tokens": 30, "completion_tokens": 90, "total_tokens": 120},
            ),
            DONE,
        )
    )
    page = open_chat(browser_page, live.gateway({"agent": url}, default="agent"))
    ask(page, "Which city was coldest this week? Chart it.")
    reply = answer_of(page)
    expect(reply.locator(".answer table tbody tr")).to_have_count(2)
    expect(reply.locator(".answer code.hljs")).to_contain_text("csv.DictReader")
    expect(reply.locator(".note")).to_have_text("120 tokens")
    expect(reply.locator("details.thinking li")).to_have_count(7)
    image = reply.get_by_role("img", name="chart.png")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 240", arg=image.element_handle()
    )
    expect(reply.locator("details.thinking")).not_to_have_attribute("open", "")
    page.set_viewport_size({"width": 1280, "height": 1060})
    page.locator("#messages").evaluate("m => { m.scrollTop = 0; }")
    browser_page.screenshot("chat")
    browser_page.assert_clean_console()


def test_the_thinking_panel_shows_reasoning_and_events_open_while_streaming(live, browser_page):
    gate = Gate(live)
    _, url = live.competitor(
        gated_sse(
            chunk(reasoning="Looking it up"),
            chunk(reasoning=" in the index."),
            event("tool_start", {"name": "search", "query": "janus"}),
            event("tool_end", {"name": "search", "status": "ok"}),
            event("sandbox_start", {"command": "python plot.py"}),
            gate,
            event("sandbox_end", {"exit_code": 0}),
            chunk("Found it."),
            DONE,
        )
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Find it")
    panel = answer_of(page).locator("details.thinking")
    steps = panel.locator("li")
    expect(steps).to_have_count(4)
    expect(panel).to_have_attribute("open", "")
    expect(steps.nth(0)).to_have_text("Looking it up in the index.")
    expect(panel.locator("li[data-event]")).to_have_text(
        [
            re.compile(r"tool_start\s*search · query: janus"),
            re.compile(r"tool_end\s*search · status: ok"),
            re.compile(r"sandbox_start\s*command: python plot.py"),
        ]
    )
    expect(panel.locator("summary")).to_have_text(re.compile(r"^Thinking… \d+ s · 3 steps$"))
    gate.open()
    expect(answer_of(page).locator(".answer")).to_have_text("Found it.")
    expect(panel).not_to_have_attribute("open", "")
    expect(panel.locator("summary")).to_have_text(re.compile(r"^Thought for \d+ s · 4 steps$"))
    expect(steps.nth(4)).to_be_hidden()
    panel.locator("summary").click()
    expect(steps.nth(4)).to_contain_text("sandbox_end")
    expect(steps.nth(4)).to_be_visible()
    panel.locator("summary").press("Enter")
    expect(panel).not_to_have_attribute("open", "")
    browser_page.assert_clean_console()


def test_stop_cancels_the_request_and_keeps_the_partial_answer(live, browser_page):
    competitor, url = live.competitor(sse(chunk("A partial answer"), FOREVER))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Tell me everything")
    expect(answer_of(page).locator(".answer")).to_have_text("A partial answer")
    page.get_by_role("button", name="Stop").click()
    expect(answer_of(page).locator(".note")).to_have_text("Stopped: the partial answer is kept.")
    expect(answer_of(page).locator(".answer")).to_have_text("A partial answer")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    assert competitor.disconnected.wait(10), "the gateway did not cancel the competitor"
    expect(answer_of(page).locator("[role=alert]")).to_have_count(0)
    page.reload()
    expect(answer_of(page).locator(".answer")).to_have_text("A partial answer")
    assert len(competitor.requests) == 1


def test_artifacts_show_images_inline_and_files_as_downloads(live, browser_page):
    _, url = live.competitor(
        sse(
            artifact("dot.png", "image/png", PNG),
            artifact("weather.csv", "text/csv", CSV),
            chunk("Two files."),
            DONE,
        )
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Make files")
    files = answer_of(page).locator("ul.artifacts")
    image = files.get_by_role("img", name="dot.png")
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1", arg=image.element_handle()
    )
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    assert image.get_attribute("src").startswith(origin + "/v1/artifacts/")
    link = files.get_by_role("link", name="weather.csv")
    expect(files.locator("li").nth(1)).to_contain_text(f"weather.csv · text/csv · {len(CSV)} B")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "weather.csv"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == CSV
    browser_page.assert_clean_console()


def test_an_error_in_the_stream_is_shown_and_the_partial_answer_kept(live, browser_page):
    _, url = live.competitor(sse(chunk("Half an answer"), in_band_error("the model crashed"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Go")
    alert = answer_of(page).get_by_role("alert")
    expect(alert).to_contain_text("competitor_failed")
    expect(alert).to_contain_text("the model crashed")
    expect(answer_of(page).locator(".answer")).to_have_text("Half an answer")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_an_http_error_is_shown_with_status_and_code_and_not_resent(live, browser_page):
    error = {
        "message": "This prompt is too long for me.",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
        "param": "messages",
    }
    competitor, url = live.competitor(answer({"error": error}, status=400))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "A very long prompt")
    alert = answer_of(page).get_by_role("alert")
    expect(alert).to_contain_text(
        "HTTP 400 context_length_exceeded: This prompt is too long for me."
    )
    expect(alert).to_contain_text("request ")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    assert len(competitor.requests) == 1
    browser_page.screenshot("chat-error")


def test_the_model_picker_lists_the_models_and_routes_to_the_choice(live, browser_page):
    first, first_url = live.competitor(sse(chunk("from a"), DONE))
    second, second_url = live.competitor(sse(chunk("from b"), DONE))
    page = open_chat(browser_page, live.gateway({"a": first_url, "b": second_url}, default="a"))
    picker = page.get_by_label("Model")
    expect(picker.locator("option")).to_have_text(["janus", "a", "b"])
    picker.select_option("b")
    ask(page, "Who are you?")
    expect(answer_of(page).locator(".answer")).to_have_text("from b")
    assert not first.requests and second.requests[0]["model"] == "b"
    page.reload()
    expect(page.get_by_label("Model")).to_have_value("b")


def test_sessions_can_be_created_renamed_searched_and_deleted(live, browser_page):
    _, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Plan a trip to Oslo")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")
    page.get_by_role("button", name="New chat").click()
    ask(page, "Bake some bread")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")
    sessions = page.locator("#session-list .open-session")
    expect(sessions).to_have_text(["Bake some bread", "Plan a trip to Oslo"])

    page.get_by_role("button", name="Rename Plan a trip to Oslo").click()
    name = page.get_by_label("Chat name")
    expect(name).to_be_focused()
    name.fill("Holiday")
    name.press("Enter")
    expect(sessions).to_have_text(["Bake some bread", "Holiday"])

    search = page.get_by_label("Search chats")
    search.fill("oslo")  # matches the messages, not only the titles
    expect(sessions).to_have_text(["Holiday"])
    search.fill("nothing like this")
    expect(page.locator("#session-list")).to_have_text("No chats found.")
    search.fill("")

    sessions.filter(has_text="Holiday").click()
    expect(page.locator("#chat-title")).to_have_text("Holiday")
    expect(page.locator(".message.user")).to_have_text(re.compile("Plan a trip to Oslo"))
    page.get_by_role("button", name="Delete Bake some bread").click()
    expect(sessions).to_have_text(["Holiday"])
    page.reload()
    expect(page.locator("#session-list .open-session")).to_have_text(["Holiday"])
    stored = page.evaluate("localStorage.getItem('janus.chat.sessions.v1')")
    assert [s["title"] for s in json.loads(stored)] == ["Holiday"]


def test_enter_sends_and_shift_enter_adds_a_line(live, browser_page):
    competitor, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    box = page.get_by_label("Message", exact=True)
    box.focus()
    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    assert box.input_value() == "line one\nline two"
    assert not competitor.requests
    page.keyboard.press("Enter")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")
    assert competitor.requests[0]["messages"][-1]["content"] == "line one\nline two"
    expect(box).to_have_value("")
    expect(box).to_be_focused()


def test_attachments_over_the_limit_or_not_images_are_refused(live, browser_page):
    _, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    page.locator("#attach-input").set_input_files(
        files=[
            {"name": "huge.png", "mimeType": "image/png", "buffer": b"\0" * (5 * 1024 * 1024 + 1)},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"},
        ]
    )
    alert = page.locator("#attach-error").get_by_role("alert")
    expect(alert).to_contain_text("huge.png is 5.0 MB; the limit is 5.0 MB per image.")
    expect(alert).to_contain_text("notes.txt is not an image (text/plain).")
    expect(page.locator("#previews img")).to_have_count(0)


def test_images_can_be_dropped_and_pasted(live, browser_page):
    competitor, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    encoded = base64.b64encode(PNG).decode()
    make_files = f"""
        (names) => {{
            const bytes = Uint8Array.from(atob("{encoded}"), c => c.charCodeAt(0));
            const data = new DataTransfer();
            for (const name of names) {{
                data.items.add(new File([bytes], name, {{type: "image/png"}}));
            }}
            return data;
        }}"""
    dropped = page.evaluate_handle(make_files, ["dropped.png"])
    page.locator("#composer").dispatch_event("drop", {"dataTransfer": dropped})
    pasted = page.evaluate_handle(make_files, ["pasted.png"])
    page.get_by_label("Message", exact=True).evaluate(
        "(box, data) => box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data}))",
        pasted,
    )
    previews = page.locator("#previews img")
    expect(previews).to_have_count(2)
    page.get_by_role("button", name="Remove dropped.png").click()
    expect(previews).to_have_count(1)
    ask(page, "")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")
    parts = competitor.requests[0]["messages"][-1]["content"]
    assert parts == [{"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}}]


def test_markdown_is_sanitised_highlighted_and_code_can_be_copied(live, browser_page):
    content = (
        "Look: <img src=x onerror=\"document.title='pwned'\">"
        "<script>document.title='pwned'</script>"
        "\n\n```python\nprint('hi')\n```\n"
    )
    _, url = live.competitor(sse(chunk(content), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    browser_page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ask(page, "Show code")
    reply = answer_of(page).locator(".answer")
    expect(reply.locator("code.hljs")).to_have_text("print('hi')")
    expect(reply.locator("code .hljs-built_in")).to_have_text("print")
    expect(reply.locator(".code-block .code-language")).to_have_text("python")
    assert reply.locator("script").count() == 0
    assert reply.locator("img").get_attribute("onerror") is None
    assert page.title() != "pwned"
    reply.get_by_role("button", name="Copy").click()
    expect(reply.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "print('hi')\n"


def test_the_api_key_is_kept_and_sent_as_a_bearer_token(live, browser_page):
    _, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    page.get_by_text("Settings").click()
    page.get_by_label("API key (optional)").fill("sk-test-123")
    page.get_by_label("API key (optional)").press("Tab")
    page.reload()
    expect(page.locator("#model option").first).to_be_attached()
    with page.expect_request("**/v1/chat/completions") as sent:
        ask(page, "hi")
    assert sent.value.headers["authorization"] == "Bearer sk-test-123"
    expect(answer_of(page).locator(".answer")).to_have_text("ok")


def test_the_chat_is_usable_on_a_phone(live, phone_page):
    _, url = live.competitor(sse(chunk("Small screens work."), DONE))
    page = open_chat(phone_page, live.gateway({"a": url}, default="a"))
    sidebar = page.locator("#sidebar")
    expect(page.locator("#new-chat")).not_to_be_in_viewport()
    ask(page, "Hello from a phone")
    expect(answer_of(page).locator(".answer")).to_have_text("Small screens work.")
    send = page.get_by_role("button", name="Send")
    expect(send).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone_page.screenshot("chat-phone")
    toggle = page.get_by_role("button", name="Chats")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#new-chat")).to_be_in_viewport()
    sidebar.locator(".open-session").first.click()
    expect(page.locator("#new-chat")).not_to_be_in_viewport()


def test_a_burst_of_chunks_renders_once_per_frame_not_once_per_chunk(live, browser_page):
    burst = b"".join(chunk(f"word{i} ") for i in range(300))
    _, url = live.competitor(sse(burst, DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    page.evaluate(
        """() => {
            window.answerRenders = 0;
            new MutationObserver((records) => {
                for (const r of records) if (r.target.classList?.contains("answer")) {
                    window.answerRenders += 1;
                }
            }).observe(document.getElementById("messages"), {childList: true, subtree: true});
        }"""
    )
    ask(page, "Talk fast")
    expect(answer_of(page).locator(".answer")).to_contain_text("word299")
    renders = page.evaluate("window.answerRenders")
    assert 1 <= renders <= 10, renders


def test_the_view_follows_the_answer_only_while_at_the_bottom(live, browser_page):
    first, second = Gate(live), Gate(live)
    lines = [chunk(f"Line {i}\n\n") for i in range(80)]
    _, url = live.competitor(
        gated_sse(*lines[:40], first, *lines[40:60], second, *lines[60:], DONE)
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    messages = page.locator("#messages")
    distance = "m => m.scrollHeight - m.scrollTop - m.clientHeight"
    ask(page, "Count")
    expect(answer_of(page).locator(".answer")).to_contain_text("Line 39")
    page.wait_for_function(f"m => ({distance})(m) < 2", arg=messages.element_handle())
    first.open()
    expect(answer_of(page).locator(".answer")).to_contain_text("Line 59")
    page.wait_for_function(f"m => ({distance})(m) < 2", arg=messages.element_handle())
    messages.evaluate("m => { m.scrollTop = 0; }")
    second.open()
    expect(answer_of(page).locator(".answer")).to_contain_text("Line 79")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    assert messages.evaluate("m => m.scrollTop") == 0


WIDE_CODE = "print(" + "'wide' + " * 25 + "'end')"  # over 200 characters on one line
WIDE_TABLE = (
    "| " + " | ".join(f"column {i}" for i in range(12)) + " |\n"
    "|" + "---|" * 12 + "\n"
    "| " + " | ".join(f"value {i}" for i in range(12)) + " |\n"
)


def test_wide_code_and_tables_scroll_inside_the_answer_on_a_phone(live, phone_page):
    answer = f"Code:\n\n```python\n{WIDE_CODE}\n```\n\nA table:\n\n{WIDE_TABLE}"
    _, url = live.competitor(sse(chunk(answer), DONE))
    page = open_chat(phone_page, live.gateway({"a": url}, default="a"))
    ask(page, "Show me something wide")
    expect(answer_of(page).locator("table th")).to_have_count(12)
    assert len(WIDE_CODE) > 200
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    for control in (
        page.get_by_role("button", name="Send"),
        page.get_by_label("Model"),
        answer_of(page).get_by_role("button", name="Copy").first,
    ):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    phone_page.screenshot("chat-phone-wide")


def test_the_chat_drawer_closes_with_escape_a_tap_outside_and_its_close_button(live, phone_page):
    _, url = live.competitor(sse(chunk("hi"), DONE))
    page = open_chat(phone_page, live.gateway({"a": url}, default="a"))
    toggle = page.get_by_role("button", name="Chats")
    new_chat = page.locator("#new-chat")

    toggle.click()
    expect(new_chat).to_be_in_viewport()
    expect(new_chat).to_be_focused()
    page.keyboard.press("Escape")
    expect(new_chat).not_to_be_in_viewport()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()

    toggle.click()
    expect(new_chat).to_be_in_viewport()
    page.mouse.click(380, 400)  # the strip of conversation the drawer leaves uncovered
    expect(new_chat).not_to_be_in_viewport()

    toggle.click()
    page.get_by_role("button", name="Close the chat list").click()
    expect(new_chat).not_to_be_in_viewport()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    phone_page.assert_clean_console()


def test_each_chat_has_its_own_url_that_opens_it(live, browser_page):
    _, url = live.competitor(sse(chunk("ok"), DONE))
    gateway = live.gateway({"a": url}, default="a")
    page = open_chat(browser_page, gateway)
    chat_url = re.compile(re.escape(gateway) + r"/chat/[a-z0-9-]+$")
    expect(page).to_have_url(chat_url)
    ask(page, "First chat")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")
    first = page.url

    page.locator("#new-chat").click()
    expect(page).not_to_have_url(first)
    second = page.url
    page.locator("#new-chat").click()  # an empty chat is reused
    expect(page).to_have_url(second)
    sessions = page.locator("#session-list .open-session")
    expect(sessions).to_have_count(2)
    ask(page, "Second chat")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")

    sessions.filter(has_text="First chat").click()
    expect(page).to_have_url(first)
    page.go_back()
    expect(page).to_have_url(second)
    expect(page.locator("#chat-title")).to_have_text("Second chat")

    page.goto(first)
    expect(page.locator("#chat-title")).to_have_text("First chat")
    expect(page.locator(".message.user")).to_have_text(re.compile("First chat"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("[aria-current=page]")).to_have_text("Chat")

    page.goto(gateway + "/chat/not-here")
    expect(page.get_by_role("alert")).to_contain_text("The chat not-here is not in this browser")
    browser_page.assert_clean_console()


def answers_in_turn(*scripts):
    """A competitor script that answers the n-th request with the n-th script."""
    calls = iter(scripts)

    async def script(request, body):
        return await next(calls)(request, body)

    return script


def test_copy_answer_puts_the_answers_markdown_on_the_clipboard(live, browser_page):
    _, url = live.competitor(sse(chunk("Use **bold** and `code`."), DONE))
    browser_page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Format something")
    answer_of(page).get_by_role("button", name="Copy answer").click()
    deadline = time.monotonic() + 15
    while (copied := page.evaluate("navigator.clipboard.readText()")) != "Use **bold** and `code`.":
        assert time.monotonic() < deadline, f"the clipboard holds {copied!r}"
        page.wait_for_timeout(100)


def test_regenerate_asks_again_and_keeps_the_earlier_answers_to_page_through(live, browser_page):
    competitor, url = live.competitor(
        answers_in_turn(sse(chunk("First try."), DONE), sse(chunk("Second try."), DONE))
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Tell me something")
    reply = answer_of(page)
    expect(reply.locator(".answer")).to_have_text("First try.")
    reply.get_by_role("button", name="Regenerate").click()
    expect(answer_of(page).locator(".answer")).to_have_text("Second try.")
    expect(page.locator("article.message.assistant")).to_have_count(1)
    expect(answer_of(page).get_by_label("Answer 2 of 2")).to_be_visible()
    first, second = competitor.requests
    assert (
        second["messages"]
        == first["messages"]
        == [{"role": "user", "content": "Tell me something"}]
    )

    answer_of(page).get_by_role("button", name="Previous answer").click()
    expect(answer_of(page).locator(".answer")).to_have_text("First try.")
    expect(answer_of(page).get_by_label("Answer 1 of 2")).to_be_visible()
    page.reload()
    expect(answer_of(page).locator(".answer")).to_have_text("First try.")
    answer_of(page).get_by_role("button", name="Next answer").click()
    expect(answer_of(page).locator(".answer")).to_have_text("Second try.")
    browser_page.assert_clean_console()


def test_an_answer_cut_off_at_the_length_limit_can_be_continued(live, browser_page):
    competitor, url = live.competitor(
        answers_in_turn(
            sse(chunk("The beginning of a long"), chunk(finish="length"), DONE),
            sse(chunk(" story, now complete."), chunk(finish="stop"), DONE),
        )
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Tell me a story")
    reply = answer_of(page)
    expect(reply.locator(".note")).to_contain_text("Cut off: the answer reached its length limit")
    reply.get_by_role("button", name="Continue").click()
    expect(reply.locator(".answer")).to_have_text("The beginning of a long story, now complete.")
    expect(reply.get_by_role("button", name="Continue")).to_have_count(0)
    expect(reply.locator(".note")).not_to_contain_text("Cut off")
    _, continued = competitor.requests
    assert continued["messages"][:2] == [
        {"role": "user", "content": "Tell me a story"},
        {"role": "assistant", "content": "The beginning of a long"},
    ]
    assert continued["messages"][2]["role"] == "user"
    assert "Continue" in continued["messages"][2]["content"]
    expect(page.locator("article.message")).to_have_count(2)  # no extra message shown


def test_an_answer_is_saved_while_it_streams_and_a_reload_keeps_it(live, browser_page):
    gate = Gate(live)
    _, url = live.competitor(gated_sse(chunk("The first half"), gate, chunk(" and more."), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Tell me slowly")
    expect(answer_of(page).locator(".answer")).to_have_text("The first half")
    deadline = time.monotonic() + 15
    while "The first half" not in (page.evaluate("localStorage.getItem('janus.chat.sessions.v1')")):
        assert time.monotonic() < deadline, "the partial answer was never saved"
        page.wait_for_timeout(100)
    page.reload()
    reply = answer_of(page)
    expect(reply.locator(".answer")).to_have_text("The first half")
    expect(reply.locator(".note")).to_contain_text("Interrupted")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    gate.open()
    browser_page.assert_clean_console()


def test_while_one_chat_answers_another_explains_why_it_waits_and_offers_no_stop(
    live, browser_page
):
    gate = Gate(live)
    competitor, url = live.competitor(
        gated_sse(chunk("Still going"), gate, chunk(" and done."), DONE)
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "A long question")
    expect(answer_of(page).locator(".answer")).to_have_text("Still going")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()

    page.locator("#new-chat").click()
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    ask(page, "Meanwhile here")
    waiting = page.get_by_role("status").filter(has_text="is still answering")
    expect(waiting).to_contain_text('"A long question" is still answering')
    # Nothing was sent from the second chat: no message, the prompt is kept.
    expect(page.locator(".message.user")).to_have_count(0)
    expect(page.get_by_label("Message", exact=True)).to_have_value("Meanwhile here")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()

    waiting.get_by_role("button", name="go to it").click()
    expect(page.locator("#chat-title")).to_have_text("A long question")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    gate.open()
    expect(answer_of(page).locator(".answer")).to_have_text("Still going and done.")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    assert len(competitor.requests) == 1
    browser_page.assert_clean_console()


def test_each_answer_says_which_model_answered_when_janus_routed_it(live, browser_page):
    _, url = live.competitor(sse(chunk("Routed.", model="tiny-llama-1b"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    expect(page.get_by_label("Model")).to_have_value("janus")
    ask(page, "Who answers?")
    reply = answer_of(page)
    expect(reply.locator(".answer")).to_have_text("Routed.")
    expect(reply.locator(".who")).to_have_text("janus · answered by tiny-llama-1b")
    page.reload()
    expect(answer_of(page).locator(".who")).to_have_text("janus · answered by tiny-llama-1b")


def test_jump_to_the_latest_appears_when_the_end_is_out_of_view(live, browser_page):
    long_answer = "\n\n".join(f"Paragraph {i}." for i in range(120))
    _, url = live.competitor(sse(chunk(long_answer), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    jump = page.get_by_role("button", name="Jump to the latest")
    expect(jump).to_be_hidden()
    ask(page, "Write a lot")
    expect(answer_of(page).locator(".answer p").last).to_have_text("Paragraph 119.")
    expect(jump).to_be_hidden()  # the view followed the answer to its end
    page.locator("#messages").evaluate("(m) => m.scrollTo(0, 0)")
    expect(jump).to_be_visible()
    jump.click()
    expect(jump).to_be_hidden()
    expect(answer_of(page).locator(".answer p").last).to_be_in_viewport()
    expect(page.get_by_label("Message", exact=True)).to_be_focused()


def step(sentence: str, name: str, payload: dict) -> bytes:
    """One step as the baselines send it: a sentence and the event in the same delta."""
    delta = {"reasoning_content": sentence, "janus": {"event": name, "payload": payload}}
    return chunk(choices=[{"index": 0, "delta": delta, "finish_reason": None}])


def test_a_step_described_in_words_is_one_row_and_the_panel_times_the_thinking(live, browser_page):
    gate = Gate(live)
    _, url = live.competitor(
        gated_sse(
            step("Starting a sandbox to run the code.", "sandbox_start", {"sandbox_id": "s1"}),
            step("Running python plot.py.", "tool_start", {"tool": "bash"}),
            gate,
            step("The sandbox is done.", "sandbox_end", {"sandbox_id": "s1"}),
            chunk("Here is the plot."),
            DONE,
        )
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Plot it")
    panel = answer_of(page).locator("details.thinking")
    rows = panel.locator("li")
    expect(rows).to_have_text(["Starting a sandbox to run the code.", "Running python plot.py."])
    expect(rows.first).to_have_attribute("title", "sandbox_start")
    expect(rows.nth(1)).to_have_attribute("title", "tool_start · bash")
    summary = panel.locator("summary")
    expect(summary).to_have_text(re.compile(r"^Thinking… \d+ s · 2 steps$"))
    seconds = int(re.search(r"(\d+) s", summary.inner_text()).group(1))
    # The timer runs while the competitor thinks: it shows a later second soon.
    expect(summary).to_have_text(re.compile(rf"^Thinking… (?!{seconds} s)\d+ s · 2 steps$"))
    gate.open()
    expect(answer_of(page).locator(".answer")).to_have_text("Here is the plot.")
    expect(rows).to_have_count(3)
    expect(summary).to_have_text(re.compile(r"^Thought for \d+ s · 3 steps$"))
    browser_page.assert_clean_console()


HOSTILE = [
    """Look: <img src=x onerror="document.title='pwned'"> """,
    '<img src="http://192.0.2.1/track.png"> <img srcset="http://192.0.2.1/a.png 2x"> ',
    '<video src="http://192.0.2.1/v.mp4"></video> <audio src="/x.mp3"></audio> ',
    '<span style="color: red">styled</span> ',
    "![remote](http://192.0.2.1/remote.png) ",
    "and the end.",
]


def test_hostile_html_streamed_in_pieces_requests_nothing_and_raises_no_errors(live, browser_page):
    gate = Gate(live)
    pieces = [chunk(piece) for piece in HOSTILE]
    _, url = live.competitor(gated_sse(*pieces[:3], gate, *pieces[3:], DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    ask(page, "Be hostile")
    reply = answer_of(page).locator(".answer")
    expect(reply.locator("img")).to_have_count(3)
    gate.open()
    expect(reply).to_contain_text("and the end.")
    expect(reply.locator("img")).to_have_count(4)
    for img in reply.locator("img").all():
        assert img.get_attribute("src") is None and img.get_attribute("srcset") is None
    assert reply.locator("video, audio, [style]").count() == 0
    assert page.title() != "pwned"
    assert [u for u in requested if not u.endswith("/v1/chat/completions")] == []
    browser_page.assert_clean_console()


def test_the_file_input_is_labelled_and_the_previews_are_a_named_group(live, browser_page):
    _, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    expect(page.get_by_label("Image files to attach")).to_have_attribute("type", "file")
    page.get_by_label("Image files to attach").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    group = page.get_by_role("group", name="Attached images")
    expect(group.get_by_role("img", name="Attached: dot.png")).to_be_visible()


def test_chat_options_send_a_system_prompt_temperature_and_max_tokens(live, browser_page):
    competitor, url = live.competitor(sse(chunk("ok"), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    page.get_by_text("Options for this chat").click()
    page.get_by_label("Temperature (0 to 2)").fill("5")
    ask(page, "Hello")
    expect(page.get_by_role("alert")).to_have_text("Temperature must be a number from 0 to 2.")
    expect(page.locator(".message.user")).to_have_count(0)  # nothing was sent

    page.get_by_label("System prompt").fill("Answer in one word.")
    page.get_by_label("Temperature (0 to 2)").fill("0.3")
    page.get_by_label("Max tokens").fill("50")
    ask(page, "Hello")
    expect(answer_of(page).locator(".answer")).to_have_text("ok")
    (request,) = competitor.requests
    assert request["messages"] == [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Hello"},
    ]
    assert request["temperature"] == 0.3 and request["max_tokens"] == 50

    page.reload()
    page.get_by_text("Options for this chat").click()
    expect(page.get_by_label("System prompt")).to_have_value("Answer in one word.")
    expect(page.get_by_label("Max tokens")).to_have_value("50")
    page.locator("#new-chat").click()  # another chat has its own settings
    expect(page.get_by_label("System prompt")).to_have_value("")
    browser_page.assert_clean_console()


def test_a_chat_exports_as_json_and_markdown_and_the_json_imports_back(
    live, browser_page, tmp_path
):
    _, url = live.competitor(sse(chunk("Oslo, **4 °C**."), DONE))
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Coldest city?")
    expect(answer_of(page).locator(".answer")).to_have_text("Oslo, 4 °C.")
    page.get_by_text("Options for this chat").click()

    with page.expect_download() as saved:
        page.get_by_role("button", name="Export as Markdown").click()
    saved.value.save_as(tmp_path / "chat.md")
    markdown = (tmp_path / "chat.md").read_text()
    assert saved.value.suggested_filename == "Coldest-city.md"
    assert markdown.startswith("# Coldest city?\n")
    assert "**You:**\n\nColdest city?" in markdown and "**janus:**\n\nOslo, **4 °C**." in markdown

    with page.expect_download() as saved:
        page.get_by_role("button", name="Export as JSON").click()
    saved.value.save_as(tmp_path / "chat.json")
    exported = json.loads((tmp_path / "chat.json").read_text())
    assert exported["format"] == "janus-chat"
    (session,) = exported["sessions"]
    assert [m["content"] for m in session["messages"]] == ["Coldest city?", "Oslo, **4 °C**."]

    page.get_by_role("button", name="Delete Coldest city?").click()
    expect(page.locator("#session-list .open-session")).not_to_have_text(["Coldest city?"])
    page.get_by_label("Import from a JSON export").set_input_files(tmp_path / "chat.json")
    expect(page.locator("#chat-title")).to_have_text("Coldest city?")
    expect(answer_of(page).locator(".answer")).to_have_text("Oslo, 4 °C.")

    (tmp_path / "bad.json").write_text('{"sessions": []}')
    page.get_by_label("Import from a JSON export").set_input_files(tmp_path / "bad.json")
    expect(page.get_by_role("alert")).to_contain_text(
        'Could not import bad.json: The file is not a Janus chat export (format "janus-chat").'
    )
    browser_page.assert_clean_console()


def test_edit_and_resend_branches_the_conversation_and_keeps_each_version(live, browser_page):
    competitor, url = live.competitor(
        answers_in_turn(sse(chunk("About cats."), DONE), sse(chunk("About dogs."), DONE))
    )
    page = open_chat(browser_page, live.gateway({"a": url}, default="a"))
    ask(page, "Tell me about cats")
    expect(answer_of(page).locator(".answer")).to_have_text("About cats.")

    page.get_by_role("button", name="Edit this message").click()
    editor = page.get_by_role("textbox", name="Edited message")
    expect(editor).to_have_value("Tell me about cats")
    editor.fill("Tell me about dogs")
    editor.press("Enter")
    expect(answer_of(page).locator(".answer")).to_have_text("About dogs.")
    expect(page.locator(".message.user .bubble")).to_have_text(["Tell me about dogs"])
    expect(page.get_by_label("Version 2 of 2")).to_be_visible()
    assert competitor.requests[1]["messages"] == [{"role": "user", "content": "Tell me about dogs"}]

    page.get_by_role("button", name="Previous version of this message").click()
    expect(page.locator(".message.user .bubble")).to_have_text(["Tell me about cats"])
    expect(answer_of(page).locator(".answer")).to_have_text("About cats.")
    page.reload()
    expect(page.get_by_label("Version 1 of 2")).to_be_visible()
    page.get_by_role("button", name="Next version of this message").click()
    expect(page.locator(".message.user .bubble")).to_have_text(["Tell me about dogs"])
    expect(answer_of(page).locator(".answer")).to_have_text("About dogs.")
    expect(page.locator("article.message")).to_have_count(2)
    browser_page.assert_clean_console()
