"""Cargo (Rust): where its downloads live and the options that mean offline (SF607)."""

from __future__ import annotations

import re

MOUNT_MARKERS = ("cargo/registry", "cargo/git")
OFFLINE_OPTIONS = ("--offline", "--frozen")  # --frozen is --locked and --offline
OFFLINE_ENV = {"CARGO_NET_OFFLINE": "true"}
LOOKS_LIKE = re.compile(r"\bcargo\s+(\+\S+\s+)?(build|install|fetch|test|run|check)\b")
