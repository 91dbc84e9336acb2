"""What a Dockerfile's JavaScript package managers are: Yarn 1 or Yarn Berry."""

from __future__ import annotations

import json
import re

from ..base import RuleContext
from .context_copy import source_path


_BERRY_IN_DOCKERFILE = re.compile(r"\.yarnrc\.yml|\.yarn/releases|\.pnp\.c?js|yarn\s+set\s+version"
                                  r"|yarn@[2-9]|yarn@berry|yarnPath|yarn\s+policies\s+set-version")


def yarn_flavour(ctx: RuleContext) -> str:
    """"berry" (Yarn 2 or later), "classic" (Yarn 1) or "unknown", from the Dockerfile
    and the build context: the context root and the directories whose package.json or
    yarn.lock a COPY names."""
    doc = ctx.doc
    if _BERRY_IN_DOCKERFILE.search(doc.text):
        return "berry"
    build = ctx.build_context
    if build is None:
        return "unknown"
    dirs = {""}
    for inst in doc.instructions:
        if inst.effective.name in ("COPY", "ADD") and not inst.effective.flag("from"):
            for src in map(source_path, inst.values()[:-1]):
                if src.rsplit("/", 1)[-1] in ("package.json", "yarn.lock", ".yarnrc.yml"):
                    dirs.add(src.rsplit("/", 1)[0] if "/" in src else "")
    known = False
    for d in sorted(dirs):
        prefix = f"{d}/" if d else ""
        if build.is_file(prefix + ".yarnrc.yml") or build.is_dir(prefix + ".yarn/releases"):
            return "berry"
        lock = build.read(prefix + "yarn.lock")
        if lock is not None:
            if "__metadata:" in lock:
                return "berry"
            known = known or "yarn lockfile v1" in lock
        manifest = build.read(prefix + "package.json")
        if manifest is not None:
            try:
                manager = json.loads(manifest).get("packageManager", "")
            except (ValueError, AttributeError):
                return "unknown"
            if re.match(r"^yarn@(?!1\.)", str(manager)):
                return "berry"
            known = True
    return "classic" if known else "unknown"
