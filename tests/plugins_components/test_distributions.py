"""Both components are real distributions: built, installed with pip, found by ``janus``."""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_spec_validator import validate

from tests.distributions import listed_after_install

PLUGINS = Path(__file__).parents[2] / "plugins"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "entry_point"),
    [
        ("janus-component-web-search", "component-web-search"),
        ("janus-component-python-exec", "component-python-exec"),
    ],
)
def test_installed_with_pip_it_is_a_janus_plugin(tmp_path, folder, entry_point):
    row = listed_after_install(PLUGINS / folder, tmp_path, entry_point)
    assert row == {
        "name": entry_point,
        "version": "0.1.0",
        "hooks": ["register_components"],
        "builtin": False,
    }


@pytest.mark.parametrize("module", ["janus_component_web_search", "janus_component_python_exec"])
def test_the_contract_document_is_valid_openapi_matching_the_manifest(module):
    component = __import__(f"{module}.component", fromlist=["build"]).build()
    document = component.contract_document
    validate(document)
    (path,) = document["paths"]
    operation = document["paths"][path]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = request.rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][name]
    assert schema["properties"] == component.manifest.inputs["properties"]
    assert document["info"]["version"] == component.manifest.version
    readme = (PLUGINS.parent / component.manifest.docs).read_text()
    assert path in readme and component.manifest.id in readme
