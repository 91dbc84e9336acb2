"""apk (Alpine): where its cache lives, and the options that keep nothing or work offline
(SF302, SF306, SF605)."""

from __future__ import annotations

import re

CACHE_TARGETS = ("/etc/apk/cache", "/var/cache/apk")
OFFLINE_OPTIONS = ("--no-network",)
CACHE_OFF_OPTIONS = ("--no-cache",)
LOOKS_LIKE = re.compile(r"\bapk\s+(-\S+\s+)*(add|update|upgrade)\b")
