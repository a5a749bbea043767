"""What one gateway needs to jail programs on its host, checked once at start-up.

``JailHost.open`` finds bubblewrap, checks that cgroups can be created and limited and (for
sandboxes) that workspace volumes can be mounted, and refuses to start when a limit cannot
be enforced, unless ``[jail] allow_unenforced_limits`` says the operator accepts
per-process limits only (then it says so, loudly, in the log). Each running jail holds a
``Slot``: its leased uid and its cgroup.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from janus.config import ConfigError, JailConfig
from janus.jail import volumes
from janus.jail.cgroups import Cgroup, CgroupFactory, CgroupLimits, CgroupUnavailable
from janus.jail.launch import JailUnavailable, Launcher
from janus.jail.uids import UidLease, UidPool

log = logging.getLogger("janus.jail")

CGROUP_SCOPE = "janus-jails"


@dataclass
class Slot:
    """One live jail's host resources; ``release`` kills what is left in it and frees them."""

    name: str
    uid: int | None
    cgroup: Cgroup | None
    lease: UidLease | None

    def release(self) -> None:
        """Blocking: call in a worker thread."""
        try:
            if self.cgroup is not None:
                self.cgroup.remove()
        finally:
            if self.lease is not None:
                self.lease.release()


@dataclass
class JailHost:
    launcher: Launcher
    uids: UidPool | None  # None: the gateway is not root, and jails share its uid
    cgroups: CgroupFactory | None  # None: limits are per process only
    volumes: bool  # workspaces are size-capped volumes
    unenforced: tuple[str, ...]

    @classmethod
    def open(
        cls, config: JailConfig, scratch: Path, bwrap: str = "bwrap", need_volumes: bool = False
    ) -> JailHost:
        """Blocking (it runs a few probes): call in a worker thread."""
        try:
            launcher = Launcher.find(bwrap)
        except JailUnavailable as exc:
            raise ConfigError(f"jail: {exc}") from None
        unenforced: list[str] = []
        uids = cgroups = None
        if os.geteuid() == 0:
            uids = UidPool(config.uid_base, config.uid_count, Path(config.lock_dir))
        else:
            unenforced.append("a host uid per jail (the gateway does not run as root)")
        try:
            factory = CgroupFactory(CGROUP_SCOPE)
            factory.check()
            cgroups = factory
        except (CgroupUnavailable, OSError) as exc:
            unenforced.append(f"memory, process and CPU limits per jail ({exc})")
        has_volumes = False
        if need_volumes:
            try:
                scratch.mkdir(parents=True, exist_ok=True)
                volumes.check(scratch)
                has_volumes = True
            except (volumes.VolumeUnavailable, OSError) as exc:
                unenforced.append(f"size-capped workspaces ({exc})")
        if unenforced:
            message = "jail: cannot enforce " + "; ".join(unenforced)
            if not config.allow_unenforced_limits:
                raise ConfigError(
                    f"{message}. Run the gateway as root on a host with cgroups, or set "
                    "[jail] allow_unenforced_limits = true to accept per-process limits only"
                )
            log.warning("%s: UNTRUSTED CODE RUNS WITH PER-PROCESS LIMITS ONLY", message)
        return cls(launcher, uids, cgroups, has_volumes, tuple(unenforced))

    def acquire(self, kind: str, limits: CgroupLimits) -> Slot:
        """A uid and a limited cgroup for a new jail. Blocking: call in a worker thread."""
        name = f"{kind}-{secrets.token_hex(6)}"
        lease = None
        if self.uids is not None:
            lease = self.uids.lease()  # NoFreeUid when every uid of the range is live
        try:
            cgroup = self.cgroups.create(name, limits) if self.cgroups is not None else None
        except BaseException:
            if lease is not None:
                lease.release()
            raise
        return Slot(name, lease.uid if lease else None, cgroup, lease)
