"""``POST /platform/components/python-exec/run``: run a Python snippet, get its output.

Each call gets a fresh platform sandbox (no network, read-only system, private
workspace, resource limits), writes the snippet to ``main.py``, runs ``python3 main.py``
with the optional ``stdin``, and terminates the sandbox, files and all, before
answering. The sandbox seconds are metered against the calling competitor.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from janus.interfaces import Component, ComponentCall, ComponentManifest
from janus.platform.components.contract import (
    Operation,
    json_schema,
    openapi_document,
    read_request,
)
from janus.platform.sandbox.models import ExecRequest
from janus_component_python_exec import __version__

COMPONENT_ID = "python-exec"
MAX_CODE_CHARS = 100_000
MAX_TIMEOUT_S = 60.0
DESCRIPTION = (
    "Run a Python 3 snippet in an isolated sandbox (no network, resource limits) and get "
    "its stdout, stderr and exit code."
)
# The snippet's stdin comes from a file: ``sh`` redirects it, so no shell quoting of
# user data is ever needed.
COMMAND = ["/bin/sh", "-c", "exec python3 main.py < stdin.txt"]


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    code: str = Field(min_length=1, max_length=MAX_CODE_CHARS, description="Python 3 source.")
    stdin: str = Field("", max_length=1_000_000, description="Text the program reads.")
    timeout_s: float = Field(
        10.0, gt=0, le=MAX_TIMEOUT_S, description="Wall-clock limit (the sandbox may cap it)."
    )


class RunAnswer(BaseModel):
    stdout: str
    stderr: str
    exit_code: int = Field(description="The program's exit code; 128 + N for signal N.")
    timed_out: bool
    duration_seconds: float
    stdout_truncated: bool
    stderr_truncated: bool


RUN = Operation("/run", "Run a Python snippet in a fresh sandbox", RunRequest, RunAnswer)


async def handle(call: ComponentCall) -> web.StreamResponse:
    request = await read_request(call, RUN)
    async with call.services.sandbox() as sandbox:
        await sandbox.write_file("main.py", request.code.encode())
        await sandbox.write_file("stdin.txt", request.stdin.encode())
        result = await sandbox.exec(ExecRequest(command=COMMAND, timeout_seconds=request.timeout_s))
    answer = RunAnswer.model_validate(result)
    return web.json_response(answer.model_dump())


def build() -> Component:
    manifest = ComponentManifest(
        id=COMPONENT_ID,
        name="Python execution",
        version=__version__,
        contract="openapi",
        category="code",
        description=DESCRIPTION,
        inputs=json_schema(RunRequest),
        outputs=json_schema(RunAnswer),
        # Sandbox creation, two file writes and the run itself, with margin.
        resources={"services": ["sandbox"], "timeout_s": MAX_TIMEOUT_S + 30},
        license="MIT",
        author="Janus contributors",
        docs="plugins/janus-component-python-exec/README.md",
    )
    document = openapi_document(
        component_id=COMPONENT_ID,
        title=manifest.name,
        version=manifest.version,
        description=DESCRIPTION,
        operations=[RUN],
    )
    return Component(manifest, handle, document)
