"""nbval's kernels for the walkthroughs listen on IPC sockets (files), not TCP ports.

On a machine where several test runs start and stop kernels, a TCP port freed by one kernel
can be bound by the next while a client of the first still reconnects to it. The new kernel
then logs "DELIM not in msg_list" into whatever cell is running, and nbval reports an output
mismatch that has nothing to do with the notebook (seen here while five test suites shared
two cores). IPC sockets are files in a fresh temporary folder per kernel, so they cannot collide.
"""

from __future__ import annotations

import os
import tempfile

import nbval.kernel
from jupyter_client.manager import KernelManager


# Removed when the test run ends.
_SOCKETS = tempfile.TemporaryDirectory(prefix="nbval-ipc-")


class IPCKernelManager(KernelManager):
    """A KernelManager whose kernel talks over IPC sockets."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        # An absolute socket path: the kernel runs in the notebook's folder, the client does not.
        kwargs.setdefault("ip", os.path.join(tempfile.mkdtemp(dir=_SOCKETS.name), "kernel"))
        super().__init__(**kwargs)


# nbval builds its kernel manager from this module-level name (nbval.kernel.start_new_kernel).
if getattr(nbval.kernel, "KernelManager", None) is KernelManager:
    nbval.kernel.KernelManager = IPCKernelManager
