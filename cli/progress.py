"""A small progress bar: redrawn in place on a terminal, one line per new message elsewhere (logs, pipes)."""
import shutil
import time
from typing import Optional

BAR_WIDTH = 30
BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")
REDRAW_SECONDS = 0.1
"""Least time between two redraws on a terminal, so a fast upload does not flood it."""


class ProgressBar:
    """`bar.update(0.4, "parsing")` ... `bar.close()`; a fraction of None draws no bar, only the text.

    `detail` (e.g. bytes so far) is shown on a terminal only: elsewhere a new line is printed only when
    the text changes, so logs get one line per stage, not one per redraw.
    """

    def __init__(self, stream, interactive: Optional[bool] = None, clock=time.monotonic, columns: Optional[int] = None):
        self._stream = stream
        self._columns = columns  # None: the terminal's width at each redraw
        self._interactive = stream.isatty() if interactive is None else interactive
        self._clock = clock
        self._last_draw = None
        self._last_text = None
        self._drawn_width = 0

    def update(self, fraction: Optional[float], text: str, detail: str = "", force: bool = False):
        """Show the fraction done (0..1, or None when unknown) and a short text."""
        if self._interactive:
            now = self._clock()
            if force or self._last_draw is None or now - self._last_draw >= REDRAW_SECONDS or text != self._last_text:
                self._redraw(render(fraction, f"{text} {detail}".rstrip()))
                self._last_draw = now
        elif text != self._last_text:
            self._stream.write(render(fraction, text, with_bar=False) + "\n")
            self._stream.flush()
        self._last_text = text

    def close(self):
        """End the bar's line on a terminal."""
        if self._interactive and self._drawn_width:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn_width = 0

    def _redraw(self, line: str):
        line = line[:max(20, (self._columns or shutil.get_terminal_size().columns) - 1)]
        self._stream.write("\r" + line.ljust(self._drawn_width))
        self._stream.flush()
        self._drawn_width = len(line)


def render(fraction: Optional[float], text: str, with_bar: bool = True) -> str:
    """'[#######.......]  45% text', or the text alone when the fraction is unknown."""
    if fraction is None:
        return text
    fraction = min(max(fraction, 0.0), 1.0)
    percent = f"{fraction:4.0%}"
    if not with_bar:
        return f"{percent} {text}"
    filled = round(fraction * BAR_WIDTH)
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent} {text}"


def format_bytes(count: int) -> str:
    """1536 -> '1.5 KiB'."""
    size, unit = float(count), 0
    while size >= 1024 and unit < len(BYTE_UNITS) - 1:
        size /= 1024
        unit += 1
    return f"{count} B" if unit == 0 else f"{size:.1f} {BYTE_UNITS[unit]}"
