"""The files ``janus plugin new guardrail`` writes, as ``str.format`` templates.

Kept apart from the command so the scaffold can be read as the package it produces.
Placeholders: ``{name}`` (guardrail name), ``{dist}`` (distribution), ``{package}``
(import package), ``{cls}`` (class name); literal braces are doubled.
"""

from __future__ import annotations

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"
"""

SETUP_CFG = """\
[metadata]
name = {dist}
version = 0.1.0
description = The {name} guardrail for Janus
long_description = file: README.md
long_description_content_type = text/markdown

[options]
packages = {package}
python_requires = >=3.11
install_requires =
    janus-competitive-gateway

[options.entry_points]
janus =
    {dist} = {package}.plugin
"""

INIT = '''\
"""The ``{name}`` guardrail for Janus."""
'''

PLUGIN = '''\
"""The module the ``janus`` entry point names: it registers the guardrail."""

from janus.hookspecs import hookimpl
from {package}.guardrail import {cls}


@hookimpl
def register_guardrails(register):
    register("{name}", {cls})
'''

GUARDRAIL = '''\
"""``{name}``: refuses requests whose user messages contain a blocked word.

Replace the body of ``check_request`` with your own rule. To redact rather than block,
return a changed copy of ``request.body`` and call ``request.report("modify", ...)``; to
check answers, add "chunk" and/or "response" to ``phases`` and implement
``check_chunk``/``finish_stream`` and ``check_response`` (see ``janus.interfaces``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from janus.errors import GuardrailViolation
from janus.interfaces import Phase, RequestContext


class {cls}:
    class Settings(BaseModel):
        """The ``[guardrails.{name}]`` table of ``janus.toml``, validated at start-up."""

        model_config = ConfigDict(extra="forbid")
        blocked_words: list[str] = Field(default_factory=lambda: ["forbidden"])

    phases: ClassVar[frozenset[Phase]] = frozenset({{"request"}})
    parallel = False

    def __init__(self, settings: Settings) -> None:
        self.blocked = [word.lower() for word in settings.blocked_words]

    async def check_request(self, request: RequestContext) -> dict[str, Any] | None:
        for message in request.body.get("messages") or ():
            if not isinstance(message, dict) or message.get("role") != "user":
                continue
            text = _text_of(message.get("content")).lower()
            found = [word for word in self.blocked if word in text]
            if found:
                raise GuardrailViolation(
                    f"The request contains a blocked word: {{found[0]}}.",
                    code="blocked_word",
                )
        return None


def _text_of(content: Any) -> str:
    """A message's text: the string, or its text parts (what the openai SDK sends when a
    message also carries an image), so the word cannot slip through as a part."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\\n".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""
'''

TEST = '''\
"""The guardrail through a real gateway (``janus.testing`` starts it in-process)."""

import json

import {package}.plugin as plugin
from janus.testing import running_gateway

GUARDRAILS = {{"enabled": ["{name}"], "{name}": {{"blocked_words": ["forbidden"]}}}}


def test_allows_ordinary_requests():
    with running_gateway("Hi there!", plugins=(plugin,), guardrails=GUARDRAILS) as gateway:
        assert gateway.chat("hello") == "Hi there!"


def test_blocks_a_blocked_word():
    with running_gateway(plugins=(plugin,), guardrails=GUARDRAILS) as gateway:
        body = {{"model": "janus", "messages": [{{"role": "user", "content": "a Forbidden word"}}]}}
        status, raw = gateway.post(body)
        assert status == 400
        assert json.loads(raw)["error"]["code"] == "blocked_word"
        assert gateway.requests == []


def test_blocks_a_blocked_word_in_content_parts():
    with running_gateway(plugins=(plugin,), guardrails=GUARDRAILS) as gateway:
        parts = [{{"type": "text", "text": "a"}}, {{"type": "text", "text": "forbidden word"}}]
        body = {{"model": "janus", "messages": [{{"role": "user", "content": parts}}]}}
        status, raw = gateway.post(body)
        assert status == 400
        assert json.loads(raw)["error"]["code"] == "blocked_word"
        assert gateway.requests == []
'''

README = """\
# {dist}

A Janus guardrail, `{name}`: refuses requests whose user messages contain a blocked word.

```sh
pip install .
```

Then enable it in `janus.toml`:

```toml
[guardrails]
enabled = ["{name}"]

[guardrails.{name}]
blocked_words = ["forbidden"]
```

`janus plugins` lists it as `{dist}`. Run the tests with `pip install pytest && pytest`.
"""

FILES = {
    "pyproject.toml": PYPROJECT,
    "setup.cfg": SETUP_CFG,
    "README.md": README,
    "{package}/__init__.py": INIT,
    "{package}/plugin.py": PLUGIN,
    "{package}/guardrail.py": GUARDRAIL,
    "tests/test_{package}.py": TEST,
}
