"""The seccomp filter every jailed program runs under.

Namespaces hide the host; this filter shrinks the kernel a hostile program can reach. It
refuses, with ``EPERM``, the system calls a competitor or a sandbox command never needs and
kernel exploits usually start from: tracing and other processes' memory, kernel modules
and ``kexec``, eBPF, perf events, ``userfaultfd``, io_uring, keyrings, mounting and
namespace changes (``unshare``, ``setns``, ``clone`` with namespace flags), clock
changes, and terminal input injection (``TIOCSTI``). ``clone3`` answers ``ENOSYS``, since
its flags cannot be inspected, so the C library falls back to ``clone``. The 32-bit x32
system call table is refused as a whole, and a call from any other architecture kills the
process.

The filter is classic BPF, built here (no libseccomp binding is needed) and handed to
bubblewrap, which loads it just before it runs the jailed program.
"""

from __future__ import annotations

import errno
import platform
import struct

# linux/audit.h
_AUDIT_ARCH_X86_64 = 0xC000003E
# linux/seccomp.h
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000
# linux/bpf_common.h: (class | size | mode) and (class | op | source)
_LD_W_ABS = 0x20
_JEQ = 0x15
_JSET = 0x45
_JGE = 0x35
_RET = 0x06
# Offsets in struct seccomp_data (little-endian: an argument's low half comes first).
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24

_X32_BIT = 0x40000000
_CLONE = 56
_CLONE3 = 435
_IOCTL = 16
_NAMESPACE_FLAGS = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)
_TERMINAL_INJECTION = (0x5412, 0x541C)  # TIOCSTI, TIOCLINUX

DENIED_X86_64 = {
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "vhangup": 153,
    "pivot_root": 155,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}


class SeccompUnavailable(RuntimeError):
    """No filter is known for this machine's architecture."""


def filter_program(machine: str | None = None) -> bytes:
    """The filter as the ``struct sock_filter`` array bubblewrap's ``--seccomp`` reads."""
    machine = machine or platform.machine()
    if machine != "x86_64":
        raise SeccompUnavailable(f"no seccomp filter is defined for {machine} (only x86_64)")
    program = _Program()
    program.load(_ARCH)
    program.jump_unless(_AUDIT_ARCH_X86_64, "kill")
    program.load(_NR)
    program.instruction(_JGE, _X32_BIT, jt="deny")
    for number in sorted(DENIED_X86_64.values()):
        program.instruction(_JEQ, number, jt="deny")
    program.instruction(_JEQ, _CLONE3, jt="enosys")
    program.instruction(_JEQ, _CLONE, jt="clone")
    program.instruction(_JEQ, _IOCTL, jt="ioctl")
    program.ret(_RET_ALLOW)
    program.label("clone")
    program.load(_ARG0)
    program.instruction(_JSET, _NAMESPACE_FLAGS, jt="deny")
    program.ret(_RET_ALLOW)
    program.label("ioctl")
    program.load(_ARG1)
    for request in _TERMINAL_INJECTION:
        program.instruction(_JEQ, request, jt="deny")
    program.ret(_RET_ALLOW)
    program.label("deny")
    program.ret(_RET_ERRNO | errno.EPERM)
    program.label("enosys")
    program.ret(_RET_ERRNO | errno.ENOSYS)
    program.label("kill")
    program.ret(_RET_KILL_PROCESS)
    return program.assemble()


class _Program:
    """A tiny assembler: conditional jumps name labels, resolved to forward offsets."""

    def __init__(self) -> None:
        self._code: list[tuple[int, int, str | None, str | None]] = []
        self._labels: dict[str, int] = {}

    def load(self, offset: int) -> None:
        self._code.append((_LD_W_ABS, offset, None, None))

    def instruction(self, code: int, k: int, jt: str | None = None, jf: str | None = None) -> None:
        self._code.append((code, k, jt, jf))

    def jump_unless(self, value: int, target: str) -> None:
        self._code.append((_JEQ, value, None, target))

    def ret(self, value: int) -> None:
        self._code.append((_RET, value, None, None))

    def label(self, name: str) -> None:
        self._labels[name] = len(self._code)

    def assemble(self) -> bytes:
        out = bytearray()
        for index, (code, k, jt, jf) in enumerate(self._code):
            out += struct.pack("<HBBI", code, self._offset(index, jt), self._offset(index, jf), k)
        return bytes(out)

    def _offset(self, index: int, label: str | None) -> int:
        if label is None:
            return 0
        offset = self._labels[label] - index - 1
        if not 0 <= offset <= 255:
            raise ValueError(f"seccomp jump to {label} out of range")
        return offset
