"""The seccomp profile competitor containers run under: Podman's default, minus new
namespaces.

Podman's default profile lets a container process ``unshare`` and ``clone`` new
namespaces, so an unprivileged competitor can make itself a user namespace in which it has
every capability: the first step of most kernel escapes. This profile takes the host's
default and removes that: ``unshare`` and ``setns`` are refused, ``clone`` is allowed only
without namespace flags, and ``clone3`` (whose flags seccomp cannot see) answers ENOSYS so
that the C library falls back to ``clone``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ENOSYS = 38
EPERM = 1
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
NAMESPACE_FLAGS = (
    0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
)
_TAKEN = {"clone", "clone3", "unshare", "setns"}


def no_namespaces(default: dict[str, Any]) -> dict[str, Any]:
    """``default`` (a containers seccomp.json) without the namespace calls, plus the rules
    that let ``clone`` make threads and processes only."""
    profile = dict(default)
    rules = []
    for rule in default["syscalls"]:
        kept = [name for name in rule["names"] if name not in _TAKEN]
        if kept:
            rules.append({**rule, "names": kept})
    rules.append(
        {
            "names": ["clone"],
            "action": "SCMP_ACT_ALLOW",
            "args": [
                {"index": 0, "value": NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}
            ],
        }
    )
    rules.append({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS})
    rules.append({"names": ["unshare", "setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM})
    profile["syscalls"] = rules
    return profile


def write_profile(default_path: str, target: Path) -> None:
    """Write the profile made from the host's ``default_path`` to ``target``."""
    default = json.loads(Path(default_path).read_text())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(no_namespaces(default)))
