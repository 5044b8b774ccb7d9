"""Print one of the two Quick start commands of README.md: `build` (line 1) or `test` (line 2)."""

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def quickstart_lines(text: str) -> list[str]:
    """Return the lines of the first fenced code block under '## Quick start'."""
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S)
    return [line for line in block.group(1).splitlines() if line.strip()]


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "test"
    lines = quickstart_lines(README.read_text(encoding="utf-8"))
    print(lines[0] if which == "build" else lines[1])
