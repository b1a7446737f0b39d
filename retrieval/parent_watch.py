"""Worker processes that end with the process that started them.

A spawned parse worker blocks reading its task queue, and it holds that queue's write end itself
(``multiprocessing.Queue`` pickles both ends), so it never sees end-of-file when its parent is
killed: without a watch it lives on, and keeps multiprocessing's resource tracker alive with it.
"""

from __future__ import annotations

import os
import threading
import time

CHECK_INTERVAL_S = 0.25


def exit_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this process soon after ``parent_pid`` is no longer its parent.

    When a parent dies its children are re-parented (to init or a sub-reaper), so ``getppid()``
    changes; a daemon thread checks it every ``CHECK_INTERVAL_S`` and exits at once, without
    running cleanup that could wait on the dead parent.

    >>> ProcessPoolExecutor(initializer=exit_with_parent, initargs=(os.getpid(),))
    """
    if os.getppid() != parent_pid:  # the parent died before this worker got here
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(CHECK_INTERVAL_S)
        os._exit(1)

    threading.Thread(target=watch, name="ragkb-parent-watch", daemon=True).start()
