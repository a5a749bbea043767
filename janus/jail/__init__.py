"""The jail: how Janus runs programs it does not trust.

Subprocess competitors, sandbox commands and marketplace code all run through
``Launcher.spawn`` (``launch``), each under a host uid no other jail shares (``uids``), in
a cgroup that bounds memory, processes and CPU for the whole jail (``cgroups``), and under
a seccomp filter (``seccomp``).
"""
