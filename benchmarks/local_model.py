"""Measure the embedded model: load time, time to first token and tokens per second.

Runs the ``local`` inference backend exactly as the platform does (model loaded off the
event loop, generation in a worker thread) on the default SmolLM2-135M-Instruct file,
and also reports what two concurrent streams see, to show the queueing is fair.

    python benchmarks/local_model.py [--runs 5] [--max-tokens 128] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from janus.platform.backends import BackendContext
from janus.platform.inference.local import LocalInference

PROMPTS = [
    "Explain in a few sentences why the sky is blue.",
    "Write a short poem about the sea.",
    "List five fruits and one fact about each.",
]


async def one_stream(backend: LocalInference, prompt: str, max_tokens: int) -> dict[str, float]:
    started = time.perf_counter()
    first = None
    usage = {}
    async for chunk in backend.stream(
        {
            "model": "local",
            "max_tokens": max_tokens,
            "temperature": 0,
            "messages": [{"role": "user", "content": prompt}],
        }
    ):
        if first is None and any(c["delta"].get("content") for c in chunk["choices"]):
            first = time.perf_counter() - started
        usage = chunk.get("usage") or usage
    total = time.perf_counter() - started
    tokens = usage["completion_tokens"]
    return {
        "ttft": first or total,
        "total": total,
        "tokens": tokens,
        "tokens_per_s": tokens / max(total - (first or 0), 1e-9),
    }


async def main(runs: int, max_tokens: int, threads: int | None) -> None:
    settings = LocalInference.Settings(n_threads=threads)
    backend = LocalInference(settings, BackendContext(Path(tempfile.mkdtemp())))
    await backend.start()
    print(
        f"model: {backend.path.name}; load {backend.load_seconds:.3f} s; threads {backend.threads}"
    )
    results = [
        await one_stream(backend, PROMPTS[i % len(PROMPTS)], max_tokens) for i in range(runs)
    ]
    print(f"single stream, {runs} runs, max_tokens {max_tokens}, temperature 0:")
    for key, unit in (("ttft", "s"), ("tokens_per_s", "tok/s"), ("tokens", "tokens")):
        values = [r[key] for r in results]
        print(
            f"  {key:>13}: median {statistics.median(values):.3f} {unit} "
            f"(min {min(values):.3f}, max {max(values):.3f})"
        )
    pair = await asyncio.gather(*(one_stream(backend, p, max_tokens) for p in PROMPTS[:2]))
    print("two concurrent streams (served in turn, first come first served):")
    for index, result in enumerate(pair):
        print(
            f"  stream {index}: ttft {result['ttft']:.3f} s, total {result['total']:.3f} s, "
            f"{result['tokens_per_s']:.1f} tok/s while generating"
        )
    await backend.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.max_tokens, arguments.threads))
