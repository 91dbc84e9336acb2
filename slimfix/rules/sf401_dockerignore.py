from __future__ import annotations

import fnmatch
import os
import re
from functools import lru_cache
from typing import Iterable

from ..buildcontext import BuildContext, is_ignored
from ..buildcontext.reads import Reads, run_number, walk
from ..effects import Effect
from ..fixes import FileChange
from ..managers import classify
from ..syntax import Dockerfile
from .base import Finding, Rule, RuleContext
from ..analysis.context_copy import context_copy, source_path
from ..buildcontext.dotenv import exclusion_reason

HEADER = "# Never needed in the image (added by slimfix, SF401)"
# (entry written to .dockerignore, name to look for, where: "top" or "anywhere")
CANDIDATES = [
    (".git", ".git", "top"), (".hg", ".hg", "top"), (".svn", ".svn", "top"),
    ("node_modules", "node_modules", "top"),
    ("**/__pycache__", "__pycache__", "anywhere"), ("**/*.pyc", "*.pyc", "anywhere"),
    (".venv", ".venv", "top"), ("venv", "venv", "top"), (".tox", ".tox", "top"),
    (".pytest_cache", ".pytest_cache", "top"), (".mypy_cache", ".mypy_cache", "top"),
    ("**/*.log", "*.log", "anywhere"), ("**/.DS_Store", ".DS_Store", "anywhere"),
    (".idea", ".idea", "top"), (".vscode", ".vscode", "top"), (".env", ".env", "top"),
]
_WALK_LIMIT = 20000  # entries: a huge context is sampled, not walked to the end


class Dockerignore(Rule):
    """
    ## What it does
    When a stage copies the whole build context (`COPY . <dest>`), creates or extends the
    context's `.dockerignore` with what is present there and never needed in an image:
    `.git`, `.hg`, `.svn`, `node_modules` (when the image installs its own), `__pycache__`,
    `*.pyc`, `.venv`, `venv`, `.tox`, `.pytest_cache`, `.mypy_cache`, `*.log`, `.DS_Store`,
    `.idea`, `.vscode`, and `.env` (only when it is plainly not part of the project: see
    Fix safety).

    ## Why is this bad?
    The whole context is sent to the builder on every build and `COPY . .` puts it in the
    image: version-control history, local virtual environments and `node_modules` built
    for another platform make the image larger, every unrelated change to them busts the
    layer cache, and `.env` files leak secrets into the image.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```
    with `.git/` and `node_modules/` in the project and no `.dockerignore`.

    ## Use instead
    A `.dockerignore` beside the Dockerfile:
    ```
    # Never needed in the image (added by slimfix, SF401)
    .git
    node_modules
    ```

    ## Fix safety
    Safe: only entries that exist in the context are added, never one that a COPY or ADD
    names as a source, never one the file already excludes, and `node_modules` only when
    the image runs its own npm, yarn or pnpm install. A source written `./.env` is the file
    `.env`. `.env` is often configuration the build reads on purpose (Vite, Next and Expo
    inline it), so it is added only when no instruction names it (a COPY or ADD source, a
    bind mount, a RUN that reads it, `.env.production` too) and it is not part of the
    project: git ignores it, or the context is in no git work tree and the file is
    KEY=VALUE lines with secret-looking names (`*_TOKEN`, `*SECRET*`, `*PASSWORD*`,
    `*_KEY`) and no variable a front-end build inlines (`VITE_`, `NEXT_PUBLIC_`, ...).
    The message says which; when `.env` is kept, the note says why. Existing lines are kept as they are,
    with the file's line endings. The Dockerfile-specific ignore file
    (`<name>.Dockerfile.dockerignore`) is extended when it is the one BuildKit uses.
    `--diff` shows the new or changed `.dockerignore`.
    """

    code = "SF401"
    triggers = ("copy", "add")
    name = "dockerignore"
    effect = Effect("removes the files the new .dockerignore lines keep out of the build context", ignored=True)
    summary = "Keep .git, caches, virtualenvs and secrets out of the build context"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        copies = [c for c in map(context_copy, doc.instructions) if c is not None]
        if not copies:
            return  # before the context is opened: a file that never reads it can be cached
        build = ctx.build_context
        if build is None:
            return
        needed = _copied_sources(doc)
        installs_js = _installs_js(ctx)
        present = _present(build)
        missing = []
        why_env = kept_env = ""
        for entry, name, where in CANDIDATES:
            if name not in present or (name == "node_modules" and not installs_js):
                continue
            probe = name if where == "top" else f"sub/{name.replace('*', 'x')}"
            if is_ignored(build.ignore, probe):
                continue
            if name == ".env" and _names_dotenv(doc):
                kept_env = "`.env` is kept: the Dockerfile names it"
                continue
            if any(_overlaps(src, name) for src in needed):
                continue
            if name == ".env":
                build.opaque("asked git whether it ignores .env")
                why_env, kept_env = exclusion_reason(build.root)
                if why_env is None:
                    continue
            missing.append(entry)
        if not missing:
            return
        before = build.ignore_text if build.reads_kind(build.ignore_file) == "file" else None
        newline = "\r\n" if before and "\r\n" in before else "\n"
        text = before or ""
        if text and not text.endswith(("\n", "\r\n")):
            text += newline
        if text.strip():
            text += newline
        text += newline.join([HEADER, *missing]) + newline
        rel = os.path.relpath(build.ignore_file, ctx.path.parent if ctx.path else build.root)
        inst = copies[0].inst
        message = (f"{rel} does not exclude {', '.join(missing)}, which `COPY .` sends to the "
                   "builder and into the image")
        if why_env:
            message += f" (.env: {why_env})"
        yield self.finding(inst, message, detail=kept_env or None,
                           file_change=FileChange(build.ignore_file, before, text))


def _present(build: BuildContext) -> frozenset[str]:
    """Names of the candidates found in the context (top level, or anywhere below)."""
    try:
        stamp = os.stat(build.root).st_mtime_ns
    except OSError:
        build.reads.kind(build.root)
        return frozenset()
    found, reads = _present_in(str(build.root), stamp, run_number())
    build.reads.merge(reads)  # the walk's listings, also when it was remembered
    return found


@lru_cache(maxsize=256)
def _present_in(root: str, stamp: int, run: int) -> tuple[frozenset[str], Reads]:
    """Walked once per context (and top-level change) in a run: in a monorepo many
    Dockerfiles share one context. The listings come back with it, for the cache."""
    found: set[str] = set()
    reads = Reads()
    top = {name for _, name, where in CANDIDATES if where == "top"}
    try:
        for entry in os.scandir(root):
            if entry.name in top:
                found.add(entry.name)
    except OSError:
        reads.kind(root)
        return frozenset(found), reads
    seen = 0
    for _, dirnames, filenames in walk(root, reads):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".hg", ".svn", "node_modules", ".venv", "venv")]
        if "__pycache__" in dirnames:
            found.add("__pycache__")
        for f in filenames:
            if f.endswith(".pyc"):
                found.add("*.pyc")
            elif f.endswith(".log"):
                found.add("*.log")
            elif f == ".DS_Store":
                found.add(".DS_Store")
        seen += len(dirnames) + len(filenames)
        if seen > _WALK_LIMIT:
            break
    return frozenset(found), reads


def _copied_sources(doc: Dockerfile) -> list[str]:
    out = []
    for inst in doc.instructions:
        if inst.effective.name in ("COPY", "ADD") and not inst.effective.flag("from") and not inst.heredocs:
            out += [p for p in map(source_path, inst.values()[:-1]) if p != "."]
    return out


def _overlaps(source: str, name: str) -> bool:
    """Whether a COPY source names the entry, or something inside it; a wildcard source
    (``*``, ``.env*``) names whatever its parts match."""
    name = name.replace("*", "")
    parts = source.split("/")
    if any(c in source for c in "*?["):
        return any(fnmatch.fnmatchcase(name, part) for part in parts)
    return source == name or source.startswith(name + "/") or name in parts


_DOTENV = re.compile(r"(?<![\w.-])\.env(?![\w-])")


def _names_dotenv(doc: Dockerfile) -> bool:
    """Any instruction naming `.env` (or `.env.production`...): a COPY source, a bind
    mount, a RUN that reads it. Frameworks that read `.env.<mode>` read `.env` too."""
    return any(_DOTENV.search(inst.text) for inst in doc.instructions)


def _installs_js(ctx: RuleContext) -> bool:
    for inst in ctx.doc.instructions:
        run = ctx.run(inst)
        if run is None:
            continue
        for cmd in run.commands():
            found = classify(cmd)
            if found is not None and found.ecosystem in ("npm", "yarn", "pnpm") and found.manifests:
                return True
    return False
