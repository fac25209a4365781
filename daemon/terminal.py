"""Text from outside (file names, speech, model output) made safe to show on a terminal.

A file name, a transcript or a summary can hold terminal control sequences: ``ESC [2J`` clears
the screen, ``ESC ] 0;… BEL`` retitles the window, ``ESC ] 8;;…`` plants a hyperlink, and some
terminals act on C1 bytes such as U+009B (CSI) on their own. Printed raw, such text changes what
the user sees, or what their terminal does (issue 8). So every C0 and C1 control character, DEL,
the line separators, the bidi overrides that reorder what is shown, and the surrogates that stand
for undecodable bytes in a file name are shown as a visible escape (``\\x1b``, ``\\u202e``)
instead: the user still sees that the name is odd, and nothing acts on it. A tab becomes a space.

``terminal_safe`` is the one function every printer uses for outside text; ``CONTROL`` is the
same set of characters, which the Markdown renderer removes from reports.
"""

from __future__ import annotations

import logging
import re
from typing import Any

CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
# Surrogates U+DC80..U+DCFF are how Python's surrogateescape keeps a file name's raw bytes.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def terminal_safe(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with control characters shown as escapes; newlines kept only if asked for."""

    def visible(match: re.Match[str]) -> str:
        char = match.group()
        if char == "\t":
            return " "
        if char == "\n" and keep_newlines:
            return char
        code = ord(char)
        if code in _ESCAPED_BYTES:
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return CONTROL.sub(visible, str(text))


class TerminalSafeFormatter(logging.Formatter):
    """Log lines quote file names and reasons, and reach the same terminal as any output."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        # A newline in a file name must not forge a log line of its own.
        return terminal_safe(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return terminal_safe(super().formatException(ei), keep_newlines=True)

    def formatStack(self, stack_info: str) -> str:
        return terminal_safe(super().formatStack(stack_info), keep_newlines=True)
