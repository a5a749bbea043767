"""The agent pack: what is copied into a sandbox before the agent runs.

The pack is a versioned folder of this distribution (``agent_pack/<version>/``: system
prompt, tool definitions, bootstrap script, model settings), plus the ``janus_agent``
package that reads it. Both are read once at start-up; per request the conversation,
the last user text and the attachments are added.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from janus_baseline_agent_cli.agent import PACK_VERSION
from janus_baseline_agent_cli.attachments import extract_attachments
from janus_baseline_agent_cli.conversation import last_user_content, text_of

AGENT_DIR = ".agent"  # /workspace/.agent in the sandbox
BOOTSTRAP = f"/workspace/{AGENT_DIR}/bootstrap.sh"


@dataclass(frozen=True)
class AgentPack:
    version: str
    files: Mapping[str, bytes]  # workspace path → bytes

    @classmethod
    def bundled(cls, version: str = PACK_VERSION) -> AgentPack:
        package = resources.files("janus_baseline_agent_cli")
        files = {
            f"{AGENT_DIR}/{entry.name}": entry.read_bytes()
            for entry in (package / "agent_pack" / version).iterdir()
            if entry.is_file()
        }
        files.update(
            (f"{AGENT_DIR}/janus_agent/{entry.name}", entry.read_bytes())
            for entry in (package / "agent").iterdir()
            if entry.is_file() and entry.name.endswith(".py")
        )
        return cls(version, MappingProxyType(files))

    def files_for(self, messages: list[dict[str, Any]]) -> dict[str, bytes]:
        """Everything to write into the sandbox for one conversation."""
        conversation, inputs = extract_attachments(messages)
        return {
            **self.files,
            **inputs,
            f"{AGENT_DIR}/conversation.json": json.dumps(conversation).encode(),
            f"{AGENT_DIR}/task.md": text_of(last_user_content(conversation)).encode(),
        }
