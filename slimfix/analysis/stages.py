"""Stages: which stages a stage is built from and which are built from it, the RUNs after
an instruction, which stages reach an image (``reaches_image``), and what a stage relies on,
for the rules whose edit can take a tool away (SF103, SF501): the packages it installs, the
programs and build steps it uses, and pipes that would hide a missing tool."""

from __future__ import annotations

import bisect
import posixpath
import re
from typing import Callable, Iterator

from ..shell import Script, SimpleCommand
from ..managers import classify
from ..shell.packages import apt_subcommand, program_words
from ..syntax import Dockerfile, Instruction, Stage
from ..rules.base import RuleContext


def parent(doc: Dockerfile, stage: Stage) -> Stage | None:
    """The earlier stage this one is built FROM, if any."""
    up = doc.stage_parents[stage.index]
    return doc.stages[up] if up is not None else None


def ancestors(doc: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    out = [stage]
    while (up := parent(doc, out[-1])) is not None and up not in out:
        out.append(up)
    return out


def descendants(doc: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and every stage built FROM it, directly or not, in file order."""
    found = {stage.index}
    todo = [stage.index]
    while todo:
        for child in doc.stage_children[todo.pop()]:
            if child not in found:
                found.add(child)
                todo.append(child)
    return [doc.stages[i] for i in sorted(found)]


def later_runs(ctx: RuleContext, inst: Instruction) -> list[Instruction]:
    """RUNs after ``inst`` in its stage and the stages built from it, and ONBUILD triggers:
    what sees the files ``inst`` leaves."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    scope = {s.index for s in descendants(doc, stage)} if stage is not None else set()
    runs = _run_indexes(ctx)
    first = bisect.bisect_right(runs, inst.index)
    return [o for o in (doc.instructions[i] for i in runs[first:]) if o.stage in scope or o.keyword == "ONBUILD"]


def first_later(ctx: RuleContext, inst: Instruction, key: str,
                reason: Callable[[Instruction], str | None]) -> tuple[Instruction, str] | None:
    """The first of ``later_runs(ctx, inst)`` for which ``reason`` is not None, and the reason.

    Rules ask this of every RUN, so a scan of the later RUNs each time is quadratic. Instead
    the file's RUNs are swept once from the end (``key`` names the sweep: one per
    ``reason``), each RUN's reason recorded under its stage, and a question is a bisection
    per stage in scope. ``reason`` may itself ask ``first_later`` about its RUN (SF601's
    plan of a later RUN does): the sweep has then already passed every RUN after it."""
    return ctx.memo(f"first later: {key}", lambda: _Sweep(ctx, reason)).first_after(inst)


class _Sweep:
    def __init__(self, ctx: RuleContext, reason: Callable[[Instruction], str | None]) -> None:
        self.ctx, self.reason = ctx, reason
        self.runs = _run_indexes(ctx)
        self.swept = len(self.runs)  # self.runs[self.swept:] have their reasons recorded
        # scope (a stage index, or "onbuild": in scope of every RUN) -> minus the indexes of
        # the RUNs with a reason, ascending (the sweep meets them in descending order)
        self.found: dict[int | str, list[int]] = {}
        self.reasons: dict[int, str] = {}

    def first_after(self, inst: Instruction) -> tuple[Instruction, str] | None:
        doc = self.ctx.doc
        k = bisect.bisect_right(self.runs, inst.index)
        while self.swept > k:
            self.swept -= 1  # first: a nested question about this RUN must not sweep it again
            other = doc.instructions[self.runs[self.swept]]
            why = self.reason(other)
            if why is not None:
                scope = "onbuild" if other.keyword == "ONBUILD" else other.stage
                self.found.setdefault(scope, []).append(-other.index)
                self.reasons[other.index] = why
        stage = doc.stage_of(inst)
        scopes: list[int | str] = ["onbuild"] + ([s.index for s in descendants(doc, stage)] if stage else [])
        best = None
        for scope in scopes:
            found = self.found.get(scope)
            if found:
                at = bisect.bisect_left(found, -inst.index) - 1
                if at >= 0 and (best is None or -found[at] < best):
                    best = -found[at]
        return (doc.instructions[best], self.reasons[best]) if best is not None else None


def _run_indexes(ctx: RuleContext) -> list[int]:
    return ctx.memo("RUN indexes", lambda: [o.index for o in ctx.doc.instructions if o.effective.name == "RUN"])


def tool_too_old(ctx: RuleContext, inst: Instruction, ancient_base: re.Pattern[str],
                 upgrade: re.Pattern[str]) -> bool:
    """Whether the stage's tool comes from a base image too old for an option (its root
    stage's base, an official image written ``name:tag``, matches ``ancient_base``) and no
    earlier RUN of the stage, or of a stage it is built from, upgraded it (a RUN whose text
    matches ``upgrade``)."""
    from .official_images import official_image

    stage = ctx.doc.stage_of(inst)
    if stage is None:
        return False
    chain = ancestors(ctx.doc, stage)
    image = official_image(chain[-1].base)
    if image is None or not ancient_base.match(f"{image.name}:{image.tag.lower()}"):
        return False
    members = {s.index for s in chain}
    return not any(o.keyword == "RUN" and o.stage in members and o.index < inst.index
                   and upgrade.search(o.text) for o in ctx.doc.instructions)


def scripts(script: Script) -> Iterator[Script]:
    yield script
    for inner in script.nested:
        yield from scripts(inner)


def program(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    return argv[0].rsplit("/", 1)[-1] if argv and argv[0] is not None else None


def apt_packages(cmd: SimpleCommand) -> list[str]:
    """Package names an ``apt-get install`` names (``curl=7.*`` is ``curl``)."""
    if apt_subcommand(cmd) != "install":
        return []
    argv = program_words(cmd)
    words = [w for w in argv[1:] if w is not None and not w.startswith("-")]
    return [re.split(r"[=:]", w, maxsplit=1)[0] for w in words[1:]]


# --- pipes that hide failures ----------------------------------------------------------

_FETCHERS = {"curl", "wget"}


def _pipes(script: Script) -> Iterator[tuple[SimpleCommand, SimpleCommand]]:
    """(left, right) for each ``left | right`` of the script. The operator after a
    command is found by bisection (operators are in text order): a scan from the first
    one for every command made a long heredoc cost its length squared."""
    from bisect import bisect_left

    cmds, ops = script.commands, script.operators
    starts = [t.start for t in ops]
    for left, right in zip(cmds, cmds[1:]):
        k = bisect_left(starts, left.end)
        op = ops[k] if k < len(ops) else None
        if op is not None and op.start < right.start and op.text in ("|", "|&"):
            yield left, right


def pipefail_in_force(doc: Dockerfile, inst: Instruction) -> bool:
    """`set -o pipefail` in the RUN, or a SHELL with pipefail for its stage (SHELL is
    kept in the image, so a parent stage's counts)."""
    if "pipefail" in inst.text:
        return True
    stage = doc.stage_of(inst)
    chain = {s.index for s in ancestors(doc, stage)} if stage else set()
    return any(o.keyword == "SHELL" and o.stage in chain and o.index < inst.index and "pipefail" in o.text
               for o in doc.instructions)


def hidden_fetch_failure(ctx: RuleContext, stages: list[Stage]) -> tuple[Instruction, str] | None:
    """The first RUN of ``stages`` that pipes curl or wget into another program without
    pipefail (a missing tool or a failed download then goes unnoticed), and the pipe."""
    for stage in stages:
        found = ctx.memo(f"hidden fetch failure {stage.index}", lambda: _hidden_in(ctx, stage))
        if found is not None:
            return found
    return None


def _hidden_in(ctx: RuleContext, stage: Stage) -> tuple[Instruction, str] | None:
    for inst in stage.instructions:
        run = ctx.run(inst)
        if run is None or run.unsupported:
            continue
        for top in run.scripts():
            for script in scripts(top):
                for left, right in _pipes(script):
                    if program(left) in _FETCHERS and not pipefail_in_force(ctx.doc, inst):
                        return inst, f"`{program(left)} ... | {program(right) or '...'}`"
    return None


# --- what slim images lack -------------------------------------------------------------

# program -> apt packages that provide it: the full images have them, slim ones do not
TOOLS: dict[str, set[str]] = {
    "curl": {"curl"}, "wget": {"wget"}, "unzip": {"unzip"}, "git": {"git"},
    "gcc": {"gcc", "build-essential"}, "cc": {"gcc", "build-essential"},
    "g++": {"g++", "build-essential"}, "c++": {"g++", "build-essential"},
    "make": {"make", "build-essential"}, "cmake": {"cmake"}, "autoconf": {"autoconf"},
    "pkg-config": {"pkg-config", "pkgconf"}, "gpg": {"gnupg", "gnupg2", "gpg"},
    "ssh": {"openssh-client"}, "scp": {"openssh-client"}, "svn": {"subversion"}, "hg": {"mercurial"},
    "bzip2": {"bzip2"}, "xz": {"xz-utils"}, "patch": {"patch"}, "file": {"file"}, "ps": {"procps"},
    "pg_config": {"libpq-dev"}, "mysql_config": {"default-libmysqlclient-dev", "libmysqlclient-dev"},
    "convert": {"imagemagick"},
}
COMPILERS = {"build-essential", "gcc", "g++"}
_SYSTEM_BIN = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/")
_SHELLS = {"sh", "bash", "dash", "ash", "zsh"}


def pip_may_build(cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` is a pip (uv pip) install that may build a package from source: not
    one of only pip's own tools (they ship as wheels), not `--only-binary :all:`."""
    found = classify(cmd)
    if found is None or found.ecosystem not in ("pip", "uv"):
        return False
    argv = program_words(cmd)
    if "install" not in argv:
        return False
    rest = argv[argv.index("install") + 1 :]
    if any(w in ("--only-binary=:all:", "--only-binary=all") for w in rest) or any(
            a == "--only-binary" and b in (":all:", "all") for a, b in zip(rest, rest[1:])):
        return False
    words = [w for w in rest if w is None or not w.startswith("-")]
    return not (not found.manifests and words and all(w and re.match(r"^(pip|setuptools|wheel)\b", w) for w in words))


def _build_step(cmd: SimpleCommand) -> str | None:
    """A step that may compile native code (and so needs a compiler): what it is."""
    prog = program(cmd)
    argv = program_words(cmd)
    found = classify(cmd)
    if found is not None and found.ecosystem in ("pip", "uv"):
        return "`pip install` may build packages from source" if pip_may_build(cmd) else None
    if found is not None and found.ecosystem in ("npm", "yarn", "pnpm") and found.manifests:
        return f"`{prog} install` may build native modules"
    if prog == "gem" and argv[1:2] == ["install"]:
        return "`gem install` may compile native extensions"
    if found is not None and found.ecosystem == "bundler":
        return "`bundle install` may compile native extensions"
    if prog and re.match(r"^python[\d.]*$", prog) and "setup.py" in argv:
        return "`python setup.py` builds from source"
    return None


def script_file(cmd: SimpleCommand) -> str | None:
    """A script the RUN executes whose text slimfix cannot see."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    first = argv[0]
    if "/" in first and not first.startswith(_SYSTEM_BIN):
        return first
    if program(cmd) in _SHELLS:
        i = 1
        while i < len(argv) and argv[i] is not None and argv[i].startswith("-"):
            if "c" in argv[i][1:]:
                return None  # `sh -c '...'`: read as a nested script
            i += 1
        if i < len(argv):
            return argv[i] or "a script"
    if first in (".", "source") and len(argv) > 1:
        return argv[1] or "a script"
    return None


def slim_would_lack(ctx: RuleContext, stages: list[Stage]) -> str | None:
    """Why a stage built on the slim variant could fail: it uses a tool or a build step
    the slim image lacks, without installing it first; or a RUN slimfix cannot read."""
    for stage in stages:
        installed: set[str] = set()
        for inst in stage.instructions:
            if inst.keyword in ("HEALTHCHECK", "CMD", "ENTRYPOINT"):
                words = set(re.findall(r"[\w+.-]+", inst.args))
                for tool in ("curl", "wget", "git"):
                    if tool in words and not (TOOLS[tool] & installed):
                        return f"line {inst.start_line} runs `{tool}`, which the slim image lacks"
                continue
            if inst.keyword != "RUN":
                continue
            run = ctx.run(inst)
            if run is None:
                return f"line {inst.start_line} is an exec-form RUN slimfix does not read"
            if run.unsupported:
                return f"the shell of line {inst.start_line} could not be read ({run.unsupported})"
            for cmd in run.commands():
                installed.update(apt_packages(cmd))
                prog = program(cmd)
                if prog in TOOLS and not (TOOLS[prog] & installed):
                    return f"line {inst.start_line} runs `{prog}`, which the slim image lacks"
                step = _build_step(cmd)
                if step and not (COMPILERS & installed):
                    return f"line {inst.start_line}: {step}, and the slim image has no compiler"
                if step and prog in ("npm", "yarn", "pnpm") and not any(p.startswith("python3") for p in installed):
                    return f"line {inst.start_line}: {step}, and the slim image has no python3 for node-gyp"
                if any(w and w.startswith("git+") for w in program_words(cmd)) and "git" not in installed:
                    return f"line {inst.start_line} installs from git, and the slim image has no git"
                script = script_file(cmd)
                if script:
                    return f"line {inst.start_line} runs {script}, which slimfix cannot read"
    return None


# Where package caches live: a stage copied from at one of these (or above) ships them.
_CACHE_DIRS = ("/var/lib/apt/lists", "/var/cache", "/root/.cache", "/root/.npm", "/usr/local/share/.cache",
               "/home")


def reaches_image(ctx: "RuleContext", inst: Instruction) -> bool:
    """Whether the filesystem of ``inst``'s stage ends up in an image: the last stage,
    a stage nothing else uses (it exists to be built with ``--target``), the stages
    those are built FROM, stages copied from at `/` or above a cache directory, and
    ONBUILD triggers (they run in other images). A builder stage whose files are only
    picked by `COPY --from=stage /path` does not: cache cleanup there is noise."""
    if inst.keyword == "ONBUILD" or inst.stage < 0:
        return True
    return inst.stage in ctx.memo("image-stages", lambda: _image_stages(ctx.doc))


def _image_stages(doc: Dockerfile) -> set[int]:
    stages = doc.stages
    by_name = {s.name: s.index for s in stages if s.name}

    def ref(name: str) -> int | None:
        name = name.lower()
        if name.isdigit():
            return int(name) if int(name) < len(stages) else None
        return by_name.get(name)

    roots = {len(stages) - 1} if stages else set()
    used = {up for s in stages if (up := ref(s.base)) is not None and up < s.index}
    for other in doc.instructions:
        cmd = other.effective
        for mount in cmd.flag("mount") if cmd.name == "RUN" else ():
            used.update(i for v in mount.option("from") if (i := ref(v)) is not None)
        if cmd.name not in ("COPY", "ADD"):
            continue
        for flag in cmd.flag("from"):
            source = ref(flag.value or "")
            if source is None:
                continue
            used.add(source)
            paths = [posixpath.normpath("/" + v.lstrip("/")) for v in other.values()[:-1]]
            if any("$" in p or any(c == p or c.startswith(p.rstrip("/") + "/") for c in _CACHE_DIRS)
                   for p in paths):
                roots.add(source)
    roots.update(s.index for s in stages if s.index not in used)
    reach: set[int] = set()
    todo = list(roots)
    while todo:  # each root and the stages it is built FROM
        i = todo.pop()
        if i in reach:
            continue
        reach.add(i)
        up = ref(stages[i].base)
        if up is not None and up < i:
            todo.append(up)
    return reach
