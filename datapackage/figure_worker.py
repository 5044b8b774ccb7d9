"""Draw the release figures in a child process, so matplotlib's import and drawing use the second core.

The parent starts the child before validation; the child imports matplotlib at once, then waits
for figure_data() as JSON on stdin and writes the files. Run as `python -m darkweb_enforcement.figure_worker`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .errors import DatapackageError


class FigureWorker:
    """A child process that draws the figures of one build."""

    command = [sys.executable, "-m", __name__]

    def __init__(self) -> None:
        self._proc = subprocess.Popen([*self.command, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def send(self, data: dict, folder: Path) -> None:
        """Hand the figure data to the child, which draws while the parent goes on."""
        folder.mkdir(exist_ok=True)  # the child never creates folders, so it cannot recreate a removed build
        try:
            self._proc.stdin.write(json.dumps({"folder": str(folder), **data}).encode("utf-8"))
            self._proc.stdin.close()
        except BrokenPipeError:
            self.wait()  # the child is gone: raise with what it said
            raise DatapackageError("drawing the figures failed: the figure process stopped before reading its data") from None

    def wait(self) -> None:
        """Wait until the child has written the files; raise if it failed."""
        err = self._proc.stderr.read()
        self._proc.wait()
        if self._proc.returncode != 0:
            detail = err.decode("utf-8", "replace").strip().splitlines()
            raise DatapackageError(f"drawing the figures failed (exit {self._proc.returncode}): {detail[-1] if detail else 'no message'}")

    def cancel(self) -> None:
        """Stop the child if it is still running (the build failed before the figures)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stderr):
            pipe.close()

    def __enter__(self) -> FigureWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


def _die_with(parent: int) -> None:
    """Have Linux kill this process when the build that started it dies; exit if it already has.

    Otherwise a killed build would leave the child drawing into a folder the next build removes.
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):  # no prctl (macOS) or no C library by that name (Windows)
        pass  # not Linux: the parent-pid check below and the missing folder still stop it
    if os.getppid() != parent:
        sys.exit(0)


def _serve() -> None:
    from .plots import draw_figures, load_pyplot

    _die_with(int(sys.argv[1]))

    load_pyplot()  # import matplotlib while the parent is still validating
    request = json.loads(sys.stdin.buffer.read() or b"null")
    if request is None:
        return  # the parent gave up before sending anything
    draw_figures(request, Path(request["folder"]))


if __name__ == "__main__":
    _serve()
