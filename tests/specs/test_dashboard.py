"""deploy/grafana/janus-dashboard.json charts exactly the metrics a gateway serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.keys import METRICS
from janus.plugins import load_plugins

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "janus-dashboard.json"
METRIC = re.compile(r"\bjanus_[a-z_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served() -> dict[str, str]:
    """Series name → metric family, for every family of a real gateway's registry."""
    app = create_app(parse_config({}, "test"), load_plugins(use_env=False, allow=set()))
    names = {}
    for family in app[METRICS].registry.collect():
        for suffix in SUFFIXES[family.type]:
            names[family.name + suffix] = family.name
    return names


def queries(dashboard: dict) -> list[str]:
    return [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ] + [dashboard["templating"]["list"][0]["definition"]]


def test_every_query_names_a_served_series(dashboard, served):
    for query in queries(dashboard):
        for name in METRIC.findall(query):
            assert name in served, f"{name} is not served (query: {query})"


def test_every_served_metric_is_charted(dashboard, served):
    charted = {served[name] for query in queries(dashboard) for name in METRIC.findall(query)}
    assert charted == set(served.values())


def test_panels_are_well_formed_for_import(dashboard):
    assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}"
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
