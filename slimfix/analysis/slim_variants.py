"""The slim variants that really exist, per official image (SF501).

A tag is looked up here, never made up: `debian:slim` does not exist, and neither does a
`-slim` for php, golang or eclipse-temurin. Each row is a full-match pattern for a tag of
the full image and the tag of its slim variant, written with the pattern's groups
(``{1}``); a tag that matches no row gets no suggestion.
"""

from __future__ import annotations

import re

_PY3 = r"3(?:\.(?:[89]|1[0-3]))?"  # 3, 3.8 ... 3.13
_PY3_PATCH = r"3\.(?:[89]|1[0-3])\.\d+"
_NODE = r"(?:1[0-9]|2[0-4])(?:\.\d+){0,2}"  # 10 ... 24, with minor and patch
_NODE_BOOKWORM = r"(?:18|2[0-4])(?:\.\d+){0,2}"
_NODE_BULLSEYE = r"(?:1[4-9]|2[0-2])(?:\.\d+){0,2}"
_RUBY = r"(?:3|2\.[5-7](?:\.\d+)?|3\.[0-4](?:\.\d+)?)"

TABLE: dict[str, list[tuple[str, str]]] = {
    "debian": [
        (r"(?:latest)?", "stable-slim"),
        (r"(bookworm|bullseye|trixie|stable|oldstable|testing|unstable|sid)", "{1}-slim"),
        (r"(1[123](?:\.\d+)?)", "{1}-slim"),
        (r"(bookworm|bullseye|trixie)-(\d{8})", "{1}-{2}-slim"),
    ],
    "python": [
        (r"(?:latest)?", "slim"),
        (rf"({_PY3}|{_PY3_PATCH}|2\.7(?:\.\d+)?|3\.[5-7](?:\.\d+)?)", "{1}-slim"),
        (rf"({_PY3}|{_PY3_PATCH})-(bookworm)", "{1}-slim-{2}"),
        (r"(3\.(?:9|1[0-3])(?:\.\d+)?)-(trixie)", "{1}-slim-{2}"),
        (r"(3\.(?:[89]|1[0-2])(?:\.\d+)?)-(bullseye)", "{1}-slim-{2}"),
        (r"(bookworm|trixie)", "slim-{1}"),
    ],
    "node": [
        (r"(?:latest)?", "slim"),
        (rf"(lts|current|{_NODE})", "{1}-slim"),
        (rf"(lts|current|{_NODE_BOOKWORM})-bookworm", "{1}-bookworm-slim"),
        (rf"(lts|current|{_NODE_BULLSEYE})-bullseye", "{1}-bullseye-slim"),
        (r"(bookworm|bullseye)", "{1}-slim"),
    ],
    "ruby": [
        (r"(?:latest)?", "slim"),
        (rf"({_RUBY})", "{1}-slim"),
        (r"(3\.[1-4](?:\.\d+)?)-(bookworm)", "{1}-slim-{2}"),
        (r"(2\.7(?:\.\d+)?|3\.[0-3](?:\.\d+)?)-(bullseye)", "{1}-slim-{2}"),
    ],
    "openjdk": [  # deprecated upstream; these tags remain
        (r"(11|17)(?:-jdk)?", "{1}-jdk-slim"),
        (r"(11\.0\.\d+|17\.0\.\d+)-jdk", "{1}-jdk-slim"),
        (r"(8|11)-jre", "{1}-jre-slim"),
        (r"8-jdk", "8-jdk-slim"),
    ],
}
_COMPILED = {image: [(re.compile(p), t) for p, t in rows] for image, rows in TABLE.items()}


def slim_tag(image: str, tag: str) -> str | None:
    """The slim variant's tag of ``image:tag`` (``""`` for no tag), or None when the
    table has none."""
    for pattern, template in _COMPILED.get(image, ()):
        m = pattern.fullmatch(tag)
        if m:
            return template.format(None, *m.groups())
    return None
