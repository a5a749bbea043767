"""Settings, from the environment as a container gets them.

Read once when the app is built, so a bad value stops ``janus serve`` at start-up with a
message naming the variable, instead of failing requests later.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "JANUS_BASELINE_"


@dataclass(frozen=True)
class Settings:
    # Platform model for every call; None: the first model the platform lists.
    model: str | None = None
    # Whole agent run (sandbox creation to the agent's exit): then it is stopped.
    agent_timeout_s: float = 300.0
    # Another CLI agent to run in the sandbox instead of janus-agent (a shell command).
    agent_command: str | None = None
    # The routing classifier call, only made when the rules are unsure.
    router_timeout_s: float = 5.0
    # How long a sandbox with artifacts outlives the answer: the gateway reads the
    # artifacts from it while relaying, after the baseline has written its last byte.
    artifact_grace_s: float = 30.0

    @property
    def agent_time_budget_s(self) -> float:
        """What the agent itself plans with: a little less than the hard timeout, so it can
        end on its own with an answer rather than be killed."""
        return max(self.agent_timeout_s - min(15.0, self.agent_timeout_s * 0.1), 1.0)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        def number(name: str, default: float, allow_zero: bool = False) -> float:
            raw = environ.get(PREFIX + name) or ""
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not (value > 0 or (allow_zero and value == 0)):
                expected = "a number >= 0" if allow_zero else "a positive number"
                raise ValueError(f"{PREFIX}{name}: expected {expected}, got {raw!r}")
            return value

        return cls(
            model=environ.get(PREFIX + "MODEL") or None,
            agent_timeout_s=number("AGENT_TIMEOUT_S", cls.agent_timeout_s),
            agent_command=environ.get(PREFIX + "AGENT") or None,
            router_timeout_s=number("ROUTER_TIMEOUT_S", cls.router_timeout_s),
            artifact_grace_s=number("ARTIFACT_GRACE_S", cls.artifact_grace_s, allow_zero=True),
        )
