"""Write a generated block into a Markdown file between its markers, keeping the hand-written
rest of the file (several benchmarks share docs/images.md)."""

from __future__ import annotations

from pathlib import Path


def splice(path: Path, name: str, block: str, heading: str = "") -> None:
    """Replace what lies between ``<!-- name:begin -->`` and ``<!-- name:end -->``; without
    the markers, append ``heading`` and the block at the end."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    marked = f"{begin}\n{block.rstrip()}\n{end}"
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        text = text[: text.index(begin)] + marked + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + (heading + "\n\n" if heading else "") + marked + "\n"
    path.write_text(text)
