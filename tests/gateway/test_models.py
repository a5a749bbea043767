"""Model ids: ``models.retrieve`` with the openai SDK, and ``[routing] aliases``."""

from __future__ import annotations

import openai
import pytest

from janus.config import ConfigError, load_default_config, parse_config
from tests.scripted_competitor import DONE, answer, chunk, completion, sse

ALIASES = {"janus-baseline-agent-cli": "agent", "baseline": "janus", "old-chain": "chain"}


@pytest.fixture
def competitors(live):
    agent, agent_url = live.competitor(answer(completion("from agent")))
    chain, chain_url = live.competitor(sse(chunk("from chain"), chunk(finish="stop"), DONE))
    gateway = live.gateway(
        {"agent": agent_url, "chain": chain_url}, default="agent", aliases=ALIASES
    )
    return gateway, agent, chain


def client(gateway: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway + "/v1", api_key="unused", max_retries=0)


def test_retrieve_a_competitor_janus_and_an_alias(competitors):
    models = client(competitors[0]).models
    agent = models.retrieve("agent")
    assert (agent.id, agent.object, agent.owned_by) == ("agent", "model", "agent")
    assert agent.created > 0
    assert models.retrieve("janus").owned_by == "janus"
    alias = models.retrieve("janus-baseline-agent-cli")
    assert (alias.id, alias.owned_by) == ("janus-baseline-agent-cli", "agent")


def test_retrieve_an_unknown_model_is_a_404_in_the_openai_shape(competitors):
    with pytest.raises(openai.NotFoundError) as caught:
        client(competitors[0]).models.retrieve("gpt-17")
    error = caught.value.body
    assert error["code"] == "model_not_found" and error["param"] == "model"
    assert "gpt-17" in error["message"] and error["type"] == "invalid_request_error"


def test_aliases_are_not_listed(competitors):
    assert [m.id for m in client(competitors[0]).models.list()] == ["janus", "agent", "chain"]


def test_a_request_for_an_alias_reaches_its_target_under_the_target_id(competitors):
    gateway, agent, chain = competitors
    sdk = client(gateway)
    messages = [{"role": "user", "content": "hi"}]
    reply = sdk.chat.completions.create(model="janus-baseline-agent-cli", messages=messages)
    assert reply.choices[0].message.content == "from agent"
    assert agent.requests[-1]["model"] == "agent"
    reply = sdk.chat.completions.create(model="baseline", messages=messages)
    assert reply.choices[0].message.content == "from agent"
    assert agent.requests[-1]["model"] == "janus"
    stream = sdk.chat.completions.create(model="old-chain", messages=messages, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "from chain"
    assert chain.requests[-1]["model"] == "chain" and chain.requests[-1]["stream"] is True


def routing(aliases: dict) -> dict:
    return {
        "competitors": [{"id": "a", "url": "http://127.0.0.1:1"}],
        "routing": {"aliases": aliases},
    }


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ({"x": "nobody"}, "routing.aliases.x: no competitor has id 'nobody'"),
        ({"a": "janus"}, "routing.aliases.a: is already a model id"),
        ({"janus": "a"}, "routing.aliases.janus: is already a model id"),
        ({"bad name": "a"}, "routing.aliases.bad name"),
    ],
)
def test_aliases_must_name_a_model(aliases, message):
    with pytest.raises(ConfigError, match="^t: " + message.replace(".", r"\.")):
        parse_config(routing(aliases), "t")


def test_the_default_knows_the_proof_of_concepts_names_and_drops_those_of_missing_baselines():
    config = load_default_config()
    assert config.routing.aliases["janus-baseline-agent-cli"] == "baseline-agent-cli"
    assert config.routing.aliases["baseline-cli-agent"] == "baseline-agent-cli"
    assert config.routing.aliases["baseline"] == "baseline-agent-cli"
    without = config.without({"baseline-agent-cli"})
    assert without.routing.aliases == {"janus-baseline-langchain": "baseline-langchain"}
