"""Is the ``janus`` package this project? Another project owns the name on the package index.

This project's distribution is ``janus-competitive-gateway``; its import package is
``janus``. An unrelated async-queue library is published as the distribution ``janus`` with
an import package of the same name, so a plugin that depends on ``janus``, or any other
project's dependency on that library, puts a second owner of ``site-packages/janus/`` in the
environment: whichever installs last overwrites the other's ``__init__``, and uninstalling
either removes files of both. This module tells which case holds, using the standard library
only (it must work when the package around it is no longer ours).
"""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "janus-competitive-gateway"
PACKAGE = "janus"
_REPAIR = f"pip uninstall --yes {{names}} && pip install --force-reinstall {DISTRIBUTION}"


def _top_level(dist: metadata.Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed is not None:
        return set(listed.split())
    return {file.parts[0] for file in dist.files or () if len(file.parts) > 1}


def _is_this_project(dist: metadata.Distribution) -> bool:
    """Ours, whatever name it was installed under: it provides the ``janus`` command."""
    return any(
        entry.group == "console_scripts"
        and entry.name == PACKAGE
        and entry.value.startswith(PACKAGE + ".")
        for entry in dist.entry_points
    )


def foreign_owners(path: list[str] | None = None) -> list[str]:
    """``name version`` of each installed distribution that ships a top-level ``janus``
    package but is not this project (searched on ``path``, default ``sys.path``)."""
    dists = metadata.distributions(path=path) if path is not None else metadata.distributions()
    found = {
        f"{dist.metadata['Name']} {dist.version}"
        for dist in dists
        if PACKAGE in _top_level(dist) and not _is_this_project(dist)
    }
    return sorted(found)


def _names(owners: list[str]) -> str:
    return " ".join(owner.split()[0] for owner in owners) or PACKAGE


def foreign_package_problem(path: list[str] | None = None) -> str | None:
    """Why the imported ``janus`` package is not this project's, or None when it is."""
    import janus

    if getattr(janus, "__distribution__", None) == DISTRIBUTION:
        return None
    owners = foreign_owners(path)
    by = f" (it belongs to {', '.join(owners)})" if owners else ""
    return (
        f"the imported '{PACKAGE}' package ({janus.__file__}) is not the Janus gateway "
        f"({DISTRIBUTION}){by}; repair with: {_REPAIR.format(names=_names(owners))}"
    )


def shared_package_warning(path: list[str] | None = None) -> str | None:
    """A warning when another distribution also installs ``janus`` (ours still works, for
    now: installing or removing that one breaks it), else None."""
    owners = foreign_owners(path)
    if not owners:
        return None
    return (
        f"{', '.join(owners)} also installs a '{PACKAGE}' package but is not the Janus "
        f"gateway ({DISTRIBUTION}): a plugin or package that depends on '{PACKAGE}' instead "
        f"of '{DISTRIBUTION}' brought it in; repair with: {_REPAIR.format(names=_names(owners))}"
    )
