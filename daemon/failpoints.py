"""Named points where a crash test can have the process killed, exactly there.

A kill -9 from outside lands wherever the process happens to be; a crash test that must prove
"a kill between the summary and the report pays for the summary once" needs the kill at that
point and no other. ``MINUTES_FAILPOINT=after:summarize`` makes the process send itself SIGKILL
right after that stage's checkpoint: the same signal, no clean-up, no exit handlers. Unset (as
always outside the crash tests), ``reached`` costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

_VARIABLE = "MINUTES_FAILPOINT"


def reached(name: str) -> None:
    """Kill this process with SIGKILL if the crash test asked for it at ``name``."""
    if os.environ.get(_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
