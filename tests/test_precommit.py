"""The pre-commit hooks match the files slimfix's own discovery finds."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT

from slimfix.discovery import is_dockerfile_name

NAMES = ["Dockerfile", "dockerfile", "Containerfile", "Dockerfile.dev", "Containerfile.prod",
         "api.Dockerfile", "web.dockerfile", "x/y/Dockerfile", ".dockerignore", "Dockerfile.dockerignore",
         "README.md", "Dockerfiles/notes.txt", "mydockerfile", "compose.yaml"]


def test_hooks_are_well_formed_and_match_discovery():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["slimfix", "slimfix-fix"]
    assert {h["entry"] for h in hooks} == {"slimfix --check", "slimfix --write"}
    for hook in hooks:
        assert hook["language"] == "python"
        files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
        for name in NAMES:
            picked = bool(files.search(name)) and not exclude.search(name)
            assert picked == is_dockerfile_name(name.rsplit("/", 1)[-1]), name
