"""The recommended packages a build still needs after `--no-install-recommends` (SF103).

Facts from Debian bookworm's `apt-cache show`:
- `curl`, `wget`, `git`, `gnupg` only recommend `ca-certificates`: without it HTTPS fails.
- `gcc` (and `gcc-12`) only recommends `libc6-dev`: without the C library's headers and
  `crt1.o`, nothing links (`./configure`: "C compiler cannot create executables").
  `g++` (through `libstdc++-12-dev`), `build-essential` and `clang` depend on it.
- `golang-go` (`golang-1.19-go`) recommends `gcc`, `g++`, `libc6-dev`, `pkg-config`: cgo
  needs a C compiler and the C library's headers.
- `python3-pip` recommends `build-essential` and `python3-dev`: pip builds a package
  that has no wheel for the platform from source, with them.
- `cmake` only recommends `make` and `gcc` (and gcc only `libc6-dev`): the Makefiles it generates
  need make, and `project()` a C compiler that can link.
- `syslinux` and `extlinux` only recommend `syslinux-common`, which holds `mbr.bin` and the
  `.c32` modules they install: without it they install nothing that boots.
- `libopencv-dev` recommends `opencv-data` (the Haar and LBP cascades that OpenCV's object
  detection loads by file name); images install the headers package to get it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ...shell import SimpleCommand
from ...shell.packages import program_words
from ...syntax import Instruction, Stage
from ..base import RuleContext
from ...analysis.official_images import official_image
from ...analysis.stages import ancestors, apt_packages, first_later, pip_may_build


@dataclass(frozen=True)
class Need:
    """Packages that must come with ``wanted_by`` (a package pattern), unless a package
    matching ``provided_by`` is installed; ``why`` completes "which ... only recommends"."""

    wanted_by: re.Pattern[str]
    adds: str
    provided_by: re.Pattern[str]
    why: str
    note: str = ""  # what needs the package, when the finding should say it


_LIBC_DEV = re.compile(r"^(libc6-dev|libc-dev|build-essential|g\+\+(-\d+)?|clang(-\d+)?|libstdc\+\+-\d+-dev)$")
_COMPILER = re.compile(r"^(gcc(-\d+)?|g\+\+(-\d+)?|clang(-\d+)?|build-essential)$")
_GCC = re.compile(r"^(gcc|gcc-\d+)$")
_GOLANG = re.compile(r"^golang(-go|-\d+\.\d+(-go)?)?$")
_PIP = re.compile(r"^python3-pip$")
# apt-transport-https: apt's https method (before apt 1.5 through libcurl, which only
# recommends ca-certificates): an `https://` apt source then fails to verify without them.
_HTTPS_CLIENTS = re.compile(r"^(curl|wget|git|git-core|gnupg2?|dirmngr|libcurl4|aria2|httpie|apt-transport-https)$")

NEEDS = (
    Need(_GCC, "libc6-dev", _LIBC_DEV, "gcc"),
    Need(_GOLANG, "gcc", _COMPILER, "the Go toolchain", "cgo needs them"),
    Need(_GOLANG, "libc6-dev", _LIBC_DEV, "the Go toolchain", "cgo needs them"),
    Need(_PIP, "python3-dev", re.compile(r"^(python3(\.\d+)?-dev|python3-all-dev|libpython3(\.\d+)?-dev"
                                          r"|python-dev-is-python3)$"), "python3-pip"),
    Need(_PIP, "build-essential", _COMPILER, "python3-pip"),
    Need(re.compile(r"^cmake(-\d[\w.]*)?$"), "make", re.compile(r"^(make|build-essential)$"), "cmake",
         "the Makefiles it generates need it"),
    Need(re.compile(r"^cmake(-\d[\w.]*)?$"), "gcc", _COMPILER, "cmake", "project() looks for a C compiler"),
    Need(re.compile(r"^cmake(-\d[\w.]*)?$"), "libc6-dev", _LIBC_DEV, "cmake (through gcc)",
         "the compiler links nothing without it"),
    Need(re.compile(r"^(syslinux|extlinux)$"), "syslinux-common", re.compile(r"^syslinux-common$"),
         "each of syslinux and extlinux", "they install its boot code and modules"),
    Need(re.compile(r"^libopencv-dev$"), "opencv-data", re.compile(r"^opencv-data$"), "libopencv-dev",
         "OpenCV's object detection loads its cascades"),
)
# Official images whose full variants carry compilers and the C library's headers.
_TOOLCHAIN_IMAGES = {"python", "node", "ruby", "golang", "buildpack-deps"}
_WITHOUT_TOOLCHAIN = re.compile(r"slim|alpine|curl|scm|windows|nanoserver", re.I)
# Official images that carry ca-certificates themselves.
_CA_IMAGES = {"python", "golang", "buildpack-deps"}


@dataclass
class Addition:
    cmd: SimpleCommand  # the install the packages are added to
    packages: list[str]
    # what the finding says: (packages, "which gcc only recommends", what needs them or "")
    reasons: list[tuple[list[str], str, str]]

    def says(self) -> str:
        parts = []
        for packages, why, extra in self.reasons:
            verb = "is" if len(packages) == 1 else "are"
            parts.append(f"{' and '.join(packages)}, {why}, {verb} added" + (f": {extra}" if extra else ""))
        return "; ".join(parts)


def kept_recommends(ctx: RuleContext, inst: Instruction, installs: list[SimpleCommand], later: list[Stage],
                    given: dict[str, set[int]]) -> list[Addition]:
    """What to add to the installs of ``inst`` (which get `--no-install-recommends`) so
    that the build keeps working; ``given`` records, per package, the stages an edit of
    this pass already gives it to (it is updated)."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None or not installs:
        return []
    chain = ancestors(doc, stage)
    earlier = _first_installs(ctx)
    installed = {p for s in chain for p, at in earlier.get(s.index, {}).items() if at < inst.index}
    named = [(c, apt_packages(c)) for c in installs]
    installed |= {p for _, packages in named for p in packages}
    base = official_image(chain[-1].base)
    toolchain = base is not None and base.name in _TOOLCHAIN_IMAGES and not _WITHOUT_TOOLCHAIN.search(base.tag)
    out: dict[int, Addition] = {}

    def add(cmd: SimpleCommand, package: str, why: str, extra: str = "") -> None:
        found = out.setdefault(id(cmd), Addition(cmd, [], []))
        found.packages.append(package)
        same = next((r for r in found.reasons if r[1:] == (why, extra)), None)
        if same is None:
            found.reasons.append(([package], why, extra))
        else:
            same[0].append(package)
        installed.add(package)
        given.setdefault(package, set()).update(s.index for s in later)

    def has(provided_by: Callable[[str], object], package: str) -> bool:
        return inst.stage in given.get(package, set()) or any(provided_by(p) for p in installed)

    builds: list[str | None] = []  # where a later pip install may build, asked once and only for pip
    for need in NEEDS:
        if toolchain and need.adds in ("libc6-dev", "gcc", "build-essential"):
            continue
        for cmd, packages in named:
            if any(need.wanted_by.match(p) for p in packages) and not has(need.provided_by.match, need.adds):
                if need.wanted_by is _PIP:
                    if not builds:
                        builds.append(_later_pip_build(ctx, inst, ctx.run(inst)))
                    if builds[0] is None:
                        break
                add(cmd, need.adds, f"which {need.why} only recommends", builds[0] if need.wanted_by is _PIP else need.note)
                break
    if not toolchain:
        for tool, where, cmd_name in _later_build_tools(ctx, inst, later):
            for package in _TOOL_PACKAGES[tool]:
                if not has(_PROVIDED[package].match, package):
                    add(named[-1][0], package, f"which `{cmd_name}` on {where} needs",
                        "a recommendation may have been their only source")
    ca = _ca_target(ctx, inst, named, later, base)
    if ca is not None and not has(lambda p: p == "ca-certificates", "ca-certificates"):
        add(ca, "ca-certificates", "which HTTPS clients only recommend")
    return list(out.values())


def _first_installs(ctx: RuleContext) -> dict[int, dict[str, int]]:
    """Per stage: each package its RUNs install with apt, and the index of the first RUN that
    does (an unreadable RUN counts for every word in it). Built once per file: SF103 asks
    for every RUN."""
    def build() -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for other in ctx.doc.instructions:
            run = ctx.run(other)
            if run is None:
                continue
            if run.unsupported:
                packages = re.findall(r"[a-z0-9][a-z0-9+.-]+", other.text)
            else:
                packages = [p for cmd in run.commands() for p in apt_packages(cmd)]
            firsts = out.setdefault(other.stage, {})
            for p in packages:
                firsts.setdefault(p, other.index)
        return out

    return ctx.memo("SF103 first installs", build)


# Build tools a later step runs that an install may have brought only as a recommendation
# (npm's node-gyp recommends build-essential, cmake recommends make and gcc): kept by
# installing them; a no-op where the base or a dependency brings them anyway.
_TOOL_PACKAGES = {"make": ("make",), "gmake": ("make",), "gcc": ("gcc", "libc6-dev"), "cc": ("gcc", "libc6-dev"),
                  "g++": ("g++",), "c++": ("g++",), "configure": ("make", "gcc", "libc6-dev")}
_PROVIDED = {
    "make": re.compile(r"^(make|build-essential)$"),
    "gcc": re.compile(r"^(gcc(-\d+)?|build-essential)$"),
    "g++": re.compile(r"^(g\+\+(-\d+)?|build-essential)$"),
    "libc6-dev": _LIBC_DEV,
}


def _later_build_tools(ctx: RuleContext, inst: Instruction, later: list[Stage]) -> list[tuple[str, str, str]]:
    """(tool, where, the command's name) for each build tool run after the install, in the
    order they run: later in its RUN, or in a later RUN of the stage or of a stage built
    from it. The uses are gathered once per file and bisected: thousands of RUNs stay linear."""
    import bisect

    found: dict[str, tuple[int, int, str]] = {}  # tool -> (instruction index, position, name)
    for pos, (tool, name) in enumerate(_tool_uses(ctx.run(inst), _after_apt)):
        found.setdefault(tool, (inst.index, pos, name))
    uses = ctx.memo("build tool uses", lambda: _all_tool_uses(ctx))
    for tool in _TOOL_PACKAGES:
        if tool in found:
            continue
        firsts = []
        for stage in later:
            entries = uses.get((stage.index, tool))
            if entries:
                k = bisect.bisect_right(entries, (inst.index, 1 << 30, ""))
                if k < len(entries):
                    firsts.append(entries[k])
        if firsts:
            found[tool] = min(firsts)
    ordered = sorted(found.items(), key=lambda item: item[1][:2])
    return [(tool, f"line {ctx.doc.instructions[index].start_line}", name) for tool, (index, _, name) in ordered]


def _all_tool_uses(ctx: RuleContext) -> dict[tuple[int, str], list[tuple[int, int, str]]]:
    out: dict[tuple[int, str], list[tuple[int, int, str]]] = {}
    for other in ctx.doc.instructions:
        if other.keyword == "RUN":
            for pos, (tool, name) in enumerate(_tool_uses(ctx.run(other))):
                out.setdefault((other.stage, tool), []).append((other.index, pos, name))
    return out


def _tool_uses(run, after=None) -> list[tuple[str, str]]:
    from ...analysis.stages import program

    if run is None or run.unsupported:
        return []
    out = []
    for cmd in run.commands():
        if after is not None and not after(run, cmd):
            continue
        words = program_words(cmd)
        first = words[0] if words and words[0] is not None else ""
        tool = "configure" if first.endswith("/configure") else program(cmd)
        if tool in _TOOL_PACKAGES:
            out.append((tool, first.rsplit("/", 1)[-1] or tool))
    return out


def _later_pip_build(ctx: RuleContext, inst: Instruction, run) -> str | None:
    """Where a pip install after the apt install (in its RUN, or a later RUN of the stage
    or of the stages built from it) may build from source, or None."""
    if run is not None and not run.unsupported:
        if any(pip_may_build(cmd) for cmd in run.commands() if _after_apt(run, cmd)):
            return f"line {inst.start_line} may build a package from source"
    found = first_later(ctx, inst, "pip may build", _pip_builds_in(ctx))
    return found[1] if found is not None else None


def _pip_builds_in(ctx: RuleContext):
    def reason(other: Instruction) -> str | None:
        run = ctx.run(other)
        if run is None or run.unsupported:
            return None
        if any(pip_may_build(cmd) for cmd in run.commands()):
            return f"line {other.start_line} may build a package from source"
        return None
    return reason


def _after_apt(run, cmd: SimpleCommand) -> bool:
    commands = run.commands()
    installs = [i for i, c in enumerate(commands) if apt_packages(c)]
    return bool(installs) and commands.index(cmd) > installs[0]


def _ca_target(ctx: RuleContext, inst: Instruction, named: list[tuple[SimpleCommand, list[str]]],
               later: list[Stage], base) -> SimpleCommand | None:
    """The install to add ``ca-certificates`` to: one that installs an HTTPS client, else
    the last one when a later RUN fetches ``https://``; None when the base has it."""
    if base is not None and base.name in _CA_IMAGES:
        return None
    client = next((c for c, packages in named if any(_HTTPS_CLIENTS.match(p) for p in packages)), None)
    if client is not None:
        return client
    installs = [c for c, _ in named]
    fetches = any(o.keyword == "RUN" and o.index > inst.index and "https://" in o.text
                  for s in later for o in s.instructions)
    return installs[-1] if fetches else None
