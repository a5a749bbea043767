"""The platform sandbox: a Sandy-compatible API under ``/platform/sandbox/api/``.

A competitor creates a sandbox, runs commands in it, moves files in and out, and points
clients at ``/workspace/artifacts``. Backends: ``local`` (bubblewrap on this host: no
network, read-only system, private workspace, resource limits) and ``sandy`` (a remote Sandy).
"""
