"""A competitor in a container, for tests: the contract on $PORT, nothing but the stdlib.

What the last user message says decides the answer:
- ``slow N``: N chunks, half a second apart (to be interrupted);
- ``attack {json}``: run the attacks in attacks.py with these parameters and answer
  their outcomes as JSON;
- ``platform``: call the platform with the request's token; answer the HTTP status;
- anything else: one sentence about Paris.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attacks

ANSWER = "Paris is the capital of France."


def chunk(delta, finish=None, usage=None):
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted-container",
        "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = usage
    return body


USAGE = {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("request: " + (fmt % args) + "\n")

    def do_GET(self):
        if self.path == "/health":
            return self.send_json(200, {"status": "ok"})
        self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
            messages = body["messages"]
            assert isinstance(messages, list) and messages
            text = str(messages[-1].get("content", ""))
        except (ValueError, KeyError, AssertionError, AttributeError, TypeError):
            error = {"message": "messages must be a list", "type": "invalid_request_error"}
            return self.send_json(400, {"error": {**error, "param": "messages", "code": None}})
        pieces = [word + " " for word in ANSWER.split()]
        delay = 0.0
        if text.startswith("slow "):
            pieces, delay = [f"{n} " for n in range(int(text.split()[1]))], 0.5
        elif text.startswith("attack "):
            pieces = [json.dumps(attacks.run(json.loads(text[len("attack ") :])))]
        elif text == "platform":
            pieces = [self.call_platform()]
        if not body.get("stream"):
            message = {"role": "assistant", "content": "".join(pieces)}
            return self.send_json(
                200,
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": "scripted-container",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": USAGE,
                },
            )
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.send_event(chunk({"role": "assistant", "content": ""}))
        for piece in pieces:
            time.sleep(delay)
            self.send_event(chunk({"content": piece}))
        self.send_event(chunk({}, "stop"))
        self.send_event(chunk(None, usage=USAGE))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def call_platform(self):
        """The platform's echo component, called with this request's token."""
        url = os.environ["JANUS_PLATFORM_URL"] + "/components/echo/from-the-container"
        token = self.headers.get("X-Janus-Platform-Token", "")
        request = urllib.request.Request(url, headers={"X-Janus-Platform-Token": token})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return f"{response.status} {response.read().decode()}"
        except urllib.error.HTTPError as exc:
            return f"{exc.code} {exc.read().decode()}"

    def send_event(self, data):
        self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
        self.wfile.flush()

    def send_json(self, status, data):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


if __name__ == "__main__":
    print("scripted competitor listening on", os.environ.get("PORT"), flush=True)
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
