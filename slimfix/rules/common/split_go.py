"""SF502 for Go: a golang stage that builds one binary (`go build -o PATH`) and runs it.

The binary moves to `gcr.io/distroless/static-debian12` when the build is static
(`CGO_ENABLED=0`) and the container starts it in exec form; otherwise to the Debian slim
image of the release the golang tag names (a cgo binary needs the glibc it was linked
against; a shell-form command needs /bin/sh), with ca-certificates installed (golang
images have them, Debian's slim images do not: outbound HTTPS would fail). Files the program reads at run time are
looked up in its source: relative paths given as literals are copied along, anything else
is refused.
"""

from __future__ import annotations

import os
import posixpath
import re

from ...shell.packages import program_words
from ...syntax import Instruction, Stage
from ..base import RuleContext
from ...analysis.context_copy import context_copy, workdir_at
from ...analysis.official_images import official_image
from .split_stages import BUILD_STAGE, Refuse, Split, final_workdir, from_flags, head_replay, instruction_line, program_of, \
    resolve, runtime_command, start_before_build, tail_of
from ...analysis.variables import variables_at

DISTROLESS = "gcr.io/distroless/static-debian12"  # has ca-certificates and tzdata
CA_CERTIFICATES = ("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates "
                   "&& rm -rf /var/lib/apt/lists/*")
_RELEASES = ("trixie", "bookworm", "bullseye", "buster")
_PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_GO_SETUP = {"download", "verify", "tidy"}  # go mod ...
_METADATA = {"ENV", "LABEL", "EXPOSE", "USER", "WORKDIR", "CMD", "ENTRYPOINT", "STOPSIGNAL", "HEALTHCHECK",
             "VOLUME", "ARG", "MAINTAINER"}
_USERS = {DISTROLESS: {"root", "nonroot", "nobody"}}
_DEBIAN_USERS = {"root", "nobody", "daemon"}


def golang_tag(stage: Stage) -> str | None:
    """The tag of a golang base (``""`` for none), or None when the base is not golang."""
    image = official_image(stage.base)
    if image is None or image.name != "golang" or image.digest or "$" in image.tag:
        return None
    return image.tag


def go_builds(ctx: RuleContext, stage: Stage) -> bool:
    """Whether the stage compiles or runs Go code: the stages SF502 looks at for Go."""
    for inst in stage.instructions:
        run = ctx.run(inst)
        if run is not None and any(c.name == "go" and c.args[:1] and c.args[0] in ("build", "install", "run")
                                   for c in run.commands()):
            return True
    entry, cmd = runtime_command(stage)
    return any(i is not None and re.search(r"\bgo\s+run\b|\"go\",\s*\"run\"", i.args) for i in (entry, cmd))


def plan_go(ctx: RuleContext, stage: Stage, tag: str) -> Split:
    entry, cmd = runtime_command(stage)
    if entry is None and cmd is None:
        raise Refuse("the stage has no CMD or ENTRYPOINT: slimfix cannot tell what runs in it")
    for i in (entry, cmd):
        if i is not None and re.search(r"(^|[\s\"/])go(\"?,\s*\"|\s+)run\b", i.args):
            raise Refuse(f"line {i.start_line} runs `go run`: the toolchain is needed at run time")
    build, binary, static = _the_build(ctx, stage)
    start_before_build(stage, build)
    tail = tail_of(stage, build)
    for inst in tail:
        if inst.keyword not in _METADATA:
            raise Refuse(f"line {inst.start_line}: {inst.keyword} after the build may need the toolchain "
                         "or the source tree")
    cwd = final_workdir(stage)
    program, shell = program_of(entry, cmd)
    if program is None or resolve(cwd, program) != binary and not (
            "/" not in program and posixpath.dirname(binary) in _PATH_DIRS and posixpath.basename(binary) == program):
        shown = (entry or cmd)
        raise Refuse(f"line {shown.start_line} starts `{program}`, not the binary the build writes ({binary})")
    health = next((i for i in reversed(stage.instructions) if i.keyword == "HEALTHCHECK"), None)
    if health is not None and not re.match(r"(?i)^none\b", health.args.strip()):
        first = next((w.strip('"[], ') for w in re.split(r"[\s,]+", re.sub(r"(?i)^(--\S+\s+)*cmd\s+", "",
                                                                              health.args.strip())) if w), "")
        if resolve(cwd, first) != binary:
            raise Refuse(f"line {health.start_line}: the HEALTHCHECK runs `{first}`, which the runtime image lacks")
        shell = shell or not health.args.rstrip().endswith("]")
    release = next((r for r in _RELEASES if tag == r or tag.endswith("-" + r)), None)
    if "alpine" in tag and not static:
        raise Refuse(f"golang:{tag} links a cgo binary against musl, and CGO_ENABLED is not 0")
    if static and not shell:
        base = DISTROLESS
    elif release is not None:
        base = f"debian:{release}-slim"
    elif static:
        raise Refuse(f"line {(entry or cmd).start_line} starts the program through /bin/sh (shell form), which "
                     f"distroless lacks, and golang:{tag or 'latest'} does not name its Debian release: "
                     "use the exec form (`CMD [\"...\"]`)")
    else:
        raise Refuse(f"CGO_ENABLED is not 0, so the binary links the glibc of golang:{tag or 'latest'}, whose "
                     "Debian release the tag does not name: set CGO_ENABLED=0, or name the release "
                     "(golang:1.22-bookworm)")
    lines, carried = head_replay(stage, build, ("GO", "CGO_"), "Go build settings")
    if base != DISTROLESS:
        # golang images carry ca-certificates, Debian's slim images do not: without them
        # every outbound HTTPS call of the program fails. Installed first, as root.
        lines.insert(0, CA_CERTIFICATES)
    for inst in tail + carried:
        _check_user(ctx, stage, inst, base)
        if re.search(r"\$(?!\{?PATH\b)", instruction_line(inst).split(None, 1)[-1]):
            raise Refuse(f"line {inst.start_line} uses a variable the runtime stage would not set")
    if cwd != "/":
        lines.append(f"WORKDIR {cwd}")
    lines.append(f"COPY --from={BUILD_STAGE} {binary} {binary}")
    for path in _runtime_files(ctx, stage, cwd):
        lines.append(f"COPY --from={BUILD_STAGE} {path} {path}")
    how = "static" if static else "cgo"
    on = base if base == DISTROLESS else f"{base} with ca-certificates"
    return Split(base, lines, build, f"the {how} binary {binary} runs on {on}; the toolchain and the sources "
                 "stay in the build stage", from_flags=from_flags(stage))


def _the_build(ctx: RuleContext, stage: Stage) -> tuple[Instruction, str, bool]:
    """The RUN with the one `go build -o PATH`, the binary's absolute path, and whether the
    build is static (CGO_ENABLED=0)."""
    doc = ctx.doc
    found: list[tuple[Instruction, str, bool]] = []
    for inst in stage.instructions:
        if inst.keyword in ("ADD",) and not context_copy(inst):
            raise Refuse(f"line {inst.start_line}: ADD may fetch what the program needs at run time")
        if inst.keyword != "RUN":
            continue
        run = ctx.run(inst)
        if run is None or run.unsupported:
            raise Refuse(f"line {inst.start_line}: a RUN slimfix cannot read")
        exported_static = False
        for c in run.commands():
            argv = program_words(c)
            if any(a is None for a in argv):
                raise Refuse(f"line {inst.start_line}: a command uses a shell expansion")
            prog = argv[0].rsplit("/", 1)[-1] if argv else None
            if prog == "export" and "CGO_ENABLED=0" in argv[1:]:
                exported_static = True
                continue
            if prog in ("set", "true", "echo"):
                continue
            if prog != "go":
                raise Refuse(f"line {inst.start_line} runs `{prog}`: the program may need what it makes or "
                             "installs at run time")
            sub = argv[1:2]
            if sub == ["mod"] and argv[2:3] and argv[2] in _GO_SETUP or sub in (["vet"], ["test"], ["generate"]):
                continue
            if sub == ["install"]:
                raise Refuse(f"line {inst.start_line}: `go install` names the binary after the module path; "
                             "use `go build -o PATH`")
            if sub != ["build"]:
                raise Refuse(f"line {inst.start_line} runs `go {' '.join(argv[1:2])}`")
            out = None
            for i, a in enumerate(argv):
                if a == "-o" and i + 1 < len(argv):
                    out = argv[i + 1]
                elif a.startswith("-o="):
                    out = a[3:]
            if out is None or out.endswith("/"):
                raise Refuse(f"line {inst.start_line}: `go build` without `-o FILE`: slimfix cannot name the binary")
            if "$" in out:
                raise Refuse(f"line {inst.start_line}: the output path uses a variable")
            cwd = workdir_at(doc, inst)
            if cwd is None:
                raise Refuse(f"line {inst.start_line}: the WORKDIR uses a variable")
            assigns = {t.value for t in c.assignments}
            env = variables_at(doc, inst)
            static = "CGO_ENABLED=0" in assigns or exported_static or (
                env.get("CGO_ENABLED") == "0" and not any(
                    o.keyword == "ARG" and "CGO_ENABLED" in o.args for o in stage.instructions))
            if any(a and a.startswith("GOOS=") and a != "GOOS=linux" for a in assigns):
                raise Refuse(f"line {inst.start_line} builds for another operating system")
            found.append((inst, resolve(cwd, out), static))
    if not found:
        raise Refuse("no `go build -o FILE` in the stage")
    if len(found) > 1:
        raise Refuse(f"{len(found)} `go build` commands: slimfix splits a stage that builds one binary")
    return found[0]


def _check_user(ctx: RuleContext, stage: Stage, inst: Instruction, base: str) -> None:
    if inst.keyword != "USER":
        return
    user = inst.args.split(":", 1)[0].strip()
    if user.isdigit():
        return
    known = _USERS.get(base, _DEBIAN_USERS)
    if user not in known:
        raise Refuse(f"line {inst.start_line}: USER {user} does not exist in {base} (use a numeric id)")


# --- files the program reads at run time -------------------------------------------------

_FIRST = r"os\.(?:Open|OpenFile|ReadFile|ReadDir|Stat|Lstat|DirFS|Chdir)|ioutil\.(?:ReadFile|ReadDir)|http\.Dir"
_ALL = (r"template\.(?:ParseFiles|ParseGlob)|\.(?:ParseFiles|ParseGlob|LoadHTMLGlob|LoadHTMLFiles)|"
        r"godotenv\.(?:Load|Overload|Read)")
_LAST = r"http\.ServeFile|\.(?:Static|StaticFile|StaticFS|File|SetConfigFile|AddConfigPath)"
_RUNS = re.compile(r"\bexec\.Command(?:Context)?\s*\(|\bsyscall\.Exec\s*\(|\bos\.StartProcess\s*\(|\bplugin\.Open\s*\(")
_CALL = re.compile(rf"(?:\b(?P<first>{_FIRST})|(?P<all>{_ALL})|(?P<last>{_LAST}))\s*\(")
_LITERAL = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)$')


def _runtime_files(ctx: RuleContext, stage: Stage, cwd: str) -> list[str]:
    """Absolute paths of the files and folders of the source tree the program reads at run
    time (relative literals in file-reading calls), to copy into the runtime stage."""
    context = ctx.build_context
    if context is None:
        raise Refuse("no build context to read: slimfix cannot tell which files the program reads at run time")
    copies = [c for c in (context_copy(i) for i in stage.instructions) if c is not None]
    root = str(context.root)
    out: list[str] = []
    sources = 0
    for dirpath, dirs, files in context.walk():
        dirs[:] = sorted(d for d in dirs if d not in ("vendor", "testdata", ".git", "node_modules")
                         and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".go") or name.endswith("_test.go"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            if not context.included(rel):
                continue
            sources += 1
            text = context.read(rel) or ""
            for path, line in _reads(rel, text):
                where = f"{rel}:{line}"
                if path is None:
                    raise Refuse(f"{where} reads a file whose name is not a literal: slimfix cannot tell "
                                 "what to copy into the runtime stage")
                if path.startswith("/"):
                    raise Refuse(f"{where} reads {path} at run time, which the runtime stage may lack")
                top = posixpath.normpath(path).split("/", 1)[0]
                if top in ("", ".", ".."):
                    raise Refuse(f"{where} reads `{path}` at run time: slimfix cannot tell what to copy")
                target = resolve(cwd, top)
                brought = any(_copy_dest(ctx, c.inst, c.dest) == cwd for c in copies)
                exists = context.included(top) or context.exists_dir(top)
                if not exists:
                    continue  # not in the source tree: the original image did not have it either
                if not brought:
                    raise Refuse(f"{where} reads `{path}` at run time, and the working directory is not where "
                                 "the source tree is copied")
                if target not in out:
                    out.append(target)
            m = _RUNS.search(text)
            if m:
                line = text.count("\n", 0, m.start()) + 1
                raise Refuse(f"{rel}:{line} runs other programs at run time ({m.group(0).rstrip('( ')})")
    if not sources:  # (vendor and testdata not counted: they are not the program)
        raise Refuse("the build context has no Go source: slimfix cannot tell which files the program reads "
                     "or runs at run time")
    return out


def _copy_dest(ctx: RuleContext, inst: Instruction, dest: str) -> str | None:
    from ...analysis.context_copy import absolute_dest

    return absolute_dest(ctx.doc, inst, dest)


def _reads(rel: str, text: str):
    """(path or None, line) for each file-reading call: None when the path is not a literal."""
    code = _strip_comments(text)
    for m in _CALL.finditer(code):
        args = _arguments(code, m.end())
        if args is None:
            yield None, code.count("\n", 0, m.start()) + 1
            continue
        line = code.count("\n", 0, m.start()) + 1
        if m.group("first"):
            chosen = args[:1]
        elif m.group("last"):
            chosen = args[-1:]
        else:
            chosen = (args or ['".env"']) if "godotenv" in m.group("all") else args
        if not chosen:
            yield None, line
        for a in chosen:
            lit = _LITERAL.match(a.strip())
            yield (None if lit is None else (lit.group(1) if lit.group(1) is not None else lit.group(2))), line


def _strip_comments(text: str) -> str:
    """Go source with comments blanked (strings kept; line numbers kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\" and c != "`":
                    j += 1
                if text[j] == "\n" and c != "`":
                    break
                j += 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _arguments(code: str, start: int) -> list[str] | None:
    """The top-level arguments of a call whose ``(`` ends at ``start``."""
    depth, i, cur, args = 0, start, [], []
    while i < len(code):
        c = code[i]
        if c in "\"`":
            j = code.find(c, i + 1) if c == "`" else i + 1
            if c == '"':
                while j < len(code) and code[j] != '"':
                    j += 2 if code[j] == "\\" else 1
            cur.append(code[i : j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                arg = "".join(cur).strip()
                if arg:
                    args.append(arg)
                return args
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return None
