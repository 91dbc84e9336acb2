"""SF502 for Python: a stage that installs compilers and `-dev` packages only to build
what `pip install` installs.

The build stage keeps the stage up to its last `pip install`, with a virtualenv in
/opt/venv created before the first one (so every package lands there). The runtime stage
replays the stage on the same base: each apt RUN that installed build packages installs
their runtime libraries instead (runtime_libs.py; the build tools go), the pip installs
become one `COPY --from=build /opt/venv /opt/venv` with the venv first on PATH, and every
other instruction is carried as it was.
"""

from __future__ import annotations

import re

from ...edits.blocks import leading_comments_start
from ...edits.run_body import CannotEdit, file_offset
from ...fixes import Edit
from ...managers import classify
from ...managers.companions import companion
from ...shell.packages import apt_subcommand, program_words, system_setup_command
from ...syntax import Dockerfile, Instruction, Stage
from ..base import RuleContext
from ...analysis.official_images import official_image
from ...managers.apt import BUILD_TOOLS, release_of, runtime_package
from .split_stages import BUILD_STAGE, Refuse, Split, from_flags, head_of, instruction_line, program_of, \
    runtime_command
from ...analysis.stages import script_file

VENV = "/opt/venv"
_NOT_IN_VENV = {"--user", "-t", "--target", "--prefix", "--root", "-e", "--editable", "--system",
                "--break-system-packages"}
_COMPILES = {"gcc", "cc", "g++", "c++", "make", "cmake", "autoconf", "pkg-config", "pg_config", "mysql_config",
             "cython", "meson", "ninja"}


def plan_python(ctx: RuleContext, stage: Stage, tool_runs: set[int]) -> Split:
    doc = ctx.doc
    image = official_image(stage.base)
    if image is None or image.name not in ("python", "debian") or image.digest or "$" in image.tag:
        raise Refuse(f"slimfix splits Python builds only on the official python and debian images, whose Python and "
                     f"package layout it knows; {stage.base} is not one of them")
    if "alpine" in image.tag:
        raise Refuse(f"{stage.base} is Alpine (musl): slimfix knows the runtime libraries of Debian's packages only")
    if re.search(r"venv|virtualenv|VIRTUAL_ENV", doc.text):
        raise Refuse("the file already sets up a virtualenv")
    release = release_of(stage.base)
    pips: list[Instruction] = []
    others: list[Instruction] = []
    runtime_apt: dict[int, str | None] = {}
    for inst in stage.instructions:
        if inst.keyword == "ADD":
            raise Refuse(f"line {inst.start_line}: ADD may fetch or unpack what the build uses")
        if inst.keyword == "USER" and not pips and inst.args.split(":")[0] not in ("root", "0"):
            raise Refuse(f"line {inst.start_line}: USER {inst.args} before the install could not create {VENV}")
        if inst.keyword != "RUN":
            continue
        run = ctx.run(inst)
        if run is None or run.unsupported or inst.heredocs:
            raise Refuse(f"line {inst.start_line}: a RUN slimfix cannot read (exec form, heredoc or shell "
                         "syntax)")
        commands = run.commands()
        if inst.index in tool_runs:
            if pips:
                raise Refuse(f"line {inst.start_line} installs build packages after the pip install")
            runtime_apt[inst.index] = _runtime_apt_text(doc, inst, run, release)
            continue
        kinds = [classify(c) for c in commands]
        if any(k is not None and k.ecosystem == "pip" for k in kinds):
            for c, k in zip(commands, kinds):
                if k is not None and k.ecosystem == "pip":
                    bad = next((w for w in program_words(c) if w and w.split("=", 1)[0] in _NOT_IN_VENV), None)
                    if bad:
                        raise Refuse(f"line {inst.start_line}: `pip install {bad}` would not install into "
                                     "the virtualenv")
                elif k is not None or not companion(c):
                    raise Refuse(f"line {inst.start_line} runs `{c.text()}` with the pip install: slimfix "
                                 "cannot tell which stage needs it")
            if others and pips:
                raise Refuse(f"line {others[-1].start_line} runs between two pip installs")
            pips.append(inst)
            continue
        for c in commands:
            k = classify(c)
            prog = (program_words(c) or [None])[0]
            prog = prog.rsplit("/", 1)[-1] if prog else None
            if k is not None and k.ecosystem != "pip":
                raise Refuse(f"line {inst.start_line} installs with {k.ecosystem}: slimfix splits pip installs only")
            if prog in _COMPILES or (prog and re.match(r"^python[\d.]*$", prog) and "setup.py" in program_words(c)):
                raise Refuse(f"line {inst.start_line} runs `{prog}`, which needs the build tools")
            if script_file(c):
                raise Refuse(f"line {inst.start_line} runs {script_file(c)}, which slimfix cannot read")
        if pips:
            others.append(inst)
    if not pips:
        raise Refuse("no `pip install` after the build tools: slimfix cannot tell what they build")
    entry, cmd = runtime_command(stage)
    program, _ = program_of(entry, cmd)
    if program and program.startswith("/") and re.search(r"/(python|pip)[\d.]*$", program):
        raise Refuse(f"the container starts {program}, which would not see the virtualenv")
    last = pips[-1]
    lines: list[str] = []
    for inst in head_of(stage, last):
        if inst.index in runtime_apt:
            if runtime_apt[inst.index]:
                lines.append(runtime_apt[inst.index])
        elif inst is pips[0]:
            lines.append(f"COPY --from={BUILD_STAGE} {VENV} {VENV}")
            lines.append(f'ENV PATH="{VENV}/bin:$PATH"')
        elif inst not in pips:
            lines.append(instruction_line(inst))
    nl = doc.newline
    venv = Edit.insert(leading_comments_start(doc, pips[0]),
                       f"RUN python3 -m venv {VENV}{nl}ENV PATH=\"{VENV}/bin:$PATH\"{nl}")
    return Split(stage.base, lines, last, f"packages are built in a `{BUILD_STAGE}` stage into the "
                 f"virtualenv {VENV}; the runtime stage installs runtime libraries instead of the build "
                 "packages and copies the virtualenv", edits=[venv], from_flags=from_flags(stage))


def _runtime_apt_text(doc: Dockerfile, inst: Instruction, run, release: str | None) -> str | None:
    """The RUN with each build package replaced by its runtime library (build tools
    dropped); None when nothing is left to install."""
    for c in run.commands():
        if not system_setup_command(c):
            raise Refuse(f"line {inst.start_line} runs `{c.text()}` with the build packages: slimfix cannot "
                         "tell which stage needs it")
    replace: list[tuple[int, int, str]] = []
    left = 0
    for c in run.commands():
        if apt_subcommand(c) != "install":
            continue
        argv = program_words(c)
        skip = len(c.words) - len(argv)
        seen_verb = False
        for tok in c.words[skip + 1 :]:
            word = tok.value or ""
            if word.startswith("-"):
                continue
            if not seen_verb:
                seen_verb = True  # `install`
                continue
            name = re.split(r"[=:]", word, maxsplit=1)[0]
            if name in BUILD_TOOLS:
                new = ""
            elif name.endswith("-dev"):
                new = runtime_package(name, release)
                if new is None:
                    raise Refuse(_unknown(name, release, inst))
            else:
                left += 1
                continue
            if new:
                left += 1
            try:
                start = file_offset(inst, c.script, tok.start)
                end = file_offset(inst, c.script, tok.end, end=True)
            except CannotEdit as exc:
                raise Refuse(str(exc)) from None
            replace.append((start, end, new))
    if not left:
        return None
    text = doc.text
    out = []
    pos = inst.span.start
    for start, end, new in sorted(replace):
        if new:
            out.append(text[pos:start] + new)
            pos = end
            continue
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        rest = text[end:line_end].strip(" \t\r")
        if not text[line_start:start].strip(" \t") and rest in ("", inst.escape):
            out.append(text[pos:line_start])  # the package was alone on its line
            pos = line_end + 1
        else:
            ws = start
            while ws > pos and text[ws - 1] in " \t":
                ws -= 1
            out.append(text[pos:ws])
            pos = end
    out.append(text[pos : inst.span.end])
    return "".join(out).rstrip("\r\n")


def _unknown(name: str, release: str | None, inst: Instruction) -> str:
    from ...managers.apt import RUNTIME

    entry = RUNTIME.get(name)
    if entry is None:
        return (f"line {inst.start_line} installs {name}, which is not in slimfix's table of -dev packages "
                "and their runtime libraries")
    if release is None:
        names = ", ".join(sorted(set(entry.values())))
        return (f"the runtime library of {name} differs between Debian releases ({names}), and the base "
                "image does not name its release (python:3.12-slim-bookworm does)")
    return f"slimfix does not know the runtime library of {name} on Debian {release}"
