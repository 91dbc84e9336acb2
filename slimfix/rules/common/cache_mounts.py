"""The SF6xx family: package caches moved into BuildKit cache mounts (opt-in).

Each rule of the family says which commands it is about, where their caches live for the
user that runs the RUN, what in the RUN would defeat a mount (an option that turns the
cache off, a cleanup that empties it) and what else must hold. This module does the rest:
the guards every family shares, the edits (the ``--mount`` flags after ``RUN``, options
and cleanups removed), and ``mount_takes_over``, which SF102 and SF3xx call so that they
do not add a cleanup to a RUN whose cache an SF6xx rule mounts.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from typing import ClassVar, Iterable

from ...edits import CannotEdit, file_offset, line_ending_at
from ...fixes import Applicability, Edit, FixAvailability
from ...shell import RunShell, SimpleCommand, Token, TokenKind
from ...shell.packages import through_sudo
from ...syntax import Instruction, LineKind
from ..base import Finding, Rule, RuleContext
from ...analysis.cache_fillers import earlier_filler
from ...analysis.cache_warming import warms_cache
from ...analysis.mounts import cache_mount_targets
from ...analysis.shells import non_posix_shell
from ...analysis.offline import offline_reason
from ...analysis.stages import ancestors, descendants, first_later

UNSAFE_NOTE = "unsafe: RUN --mount needs BuildKit, buildah or podman (not the legacy builder or kaniko)"


@dataclass(frozen=True)
class Mount:
    target: str
    sharing: str | None = None
    uid: int | None = None
    gid: int | None = None

    def text(self) -> str:
        parts = ["type=cache", f"target={self.target}"]
        if self.sharing:
            parts.append(f"sharing={self.sharing}")
        if self.uid:
            parts.append(f"uid={self.uid}")
            if self.gid is not None:
                parts.append(f"gid={self.gid}")
        return "--mount=" + ",".join(parts)


# BuildKit reads a --mount value twice: as a shell-like word (quotes and backslashes taken
# out) and then as one CSV record (encoding/csv: a comma or quote needs a quoted field).
# A target with only these characters means the same to both readings, written bare.
_BARE_TARGET = re.compile(r"^[A-Za-z0-9/._+@~%:-]+$")


def unwritable_target(target: str) -> str | None:
    """Why ``target`` cannot be written bare into ``--mount=...`` (a space would end the
    flag, a comma would start another field); None when it can. Rather than quote for
    two readers at once, the rule refuses: such folder names are rare."""
    if _BARE_TARGET.match(target):
        return None
    return (f"the cache folder {target!r} has characters (spaces, commas, quotes...) that BuildKit's reading of "
            "--mount would split or change")


@dataclass
class Plan:
    """What the fix does to one RUN."""

    mounts: list[Mount]
    # tokens to delete (options that turn the cache off): must go, or the mount is useless
    options: list[tuple[SimpleCommand, Token]] = field(default_factory=list)
    # (token after which to insert, text): an option the RUN needs once its cache is mounted
    inserts: list[tuple[SimpleCommand, Token, str]] = field(default_factory=list)
    # cleanup commands that would empty the cache: removed where that is safe
    cleanups: list[SimpleCommand] = field(default_factory=list)
    prepend: str | None = None  # a command to run first (apt: set docker-clean aside)
    kept: list[str] = field(default_factory=list)  # cleanups left in place, and why


@dataclass(frozen=True)
class Refusal:
    reason: str


class _Mounted:
    """The RUN already mounts this family's cache: left alone."""


ALREADY_MOUNTED = _Mounted()


class CacheMountRule(Rule):
    """Base of the SF6xx rules (not itself a rule: the registry takes only classes defined
    in an ``sfNNN_*`` module)."""

    default: ClassVar[bool] = False
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (Applicability.UNSAFE,)
    message: ClassVar[str]
    # the targets any mount of this family may have (a RUN mounting one is left alone)
    known_targets: ClassVar[tuple[str, ...]] = ()
    # parts of a target that show a mount of this family's cache (``.cache/pip``)
    mount_markers: ClassVar[tuple[str, ...]] = ()
    # text that suggests the family in a RUN whose shell cannot be read
    looks_like: ClassVar[re.Pattern[str]]
    # a later COPY --from of a directory above the cache is fine: nothing needs the cache
    # in the copied tree (gem: COPY --from=builder /usr/local/bundle)
    copies_above_ok: ClassVar[bool] = False
    # what makes the family's commands work only from what the cache holds (offline.py)
    offline_options: ClassVar[tuple[str, ...]] = ()
    offline_env: ClassVar[dict[str, str | None]] = {}
    # options with which the family's commands keep nothing in their cache (cache_fillers.py)
    cache_off_options: ClassVar[tuple[str, ...]] = ()

    # --- what each family says -------------------------------------------------------
    def wants(self, cmd: SimpleCommand) -> bool:
        raise NotImplementedError

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------
    @classmethod
    def decide(cls, ctx: RuleContext, inst: Instruction) -> Plan | Refusal | _Mounted | None:
        """``plan``, and then no mount over a cache folder an earlier step filled without
        one (cache_fillers.py). Apart from ``plan`` so that nothing loops: a plan asks the
        plans of later RUNs, a decision the decisions of earlier ones, recorded in file order."""
        def decided():
            plan = cls.plan(ctx, inst)
            if isinstance(plan, Plan):
                why = earlier_filler(ctx, cls, inst, [m.target for m in plan.mounts])
                if why:
                    return Refusal(why)
            return plan

        return ctx.memo(f"{cls.code}:decision:{inst.index}", decided)

    @classmethod
    def plan(cls, ctx: RuleContext, inst: Instruction) -> Plan | Refusal | _Mounted | None:
        """What the rule would do to ``inst``: a Plan, a Refusal (reported without a fix),
        ALREADY_MOUNTED, or None (nothing for this family)."""
        return ctx.memo(f"{cls.code}:plan:{inst.index}", lambda: cls()._plan(ctx, inst))

    def _plan(self, ctx: RuleContext, inst: Instruction) -> Plan | Refusal | _Mounted | None:
        if inst.keyword != "RUN":
            return None  # ONBUILD triggers and everything else
        run = ctx.run(inst)
        if run is None or non_posix_shell(ctx, inst) or windows_stage(ctx, inst):
            return None
        if run.unsupported:
            if self.looks_like.search(_text(inst)):
                return Refusal(f"the shell could not be read ({run.unsupported})")
            return None
        commands = [c for c in run.commands() if self.wants(c)]
        opaque = [h for h in run.opaque_heredocs if self.looks_like.search(h.content)]
        if not commands:
            if opaque:
                return Refusal(f"the heredoc {opaque[0].name} is not a shell script slimfix reads")
            return None
        mounted = cache_mount_targets(inst)
        if any(t == k or t.startswith(k + "/") or k.startswith(t + "/") for t in mounted for k in self.known_targets) \
                or any(m in t for t in mounted for m in self.mount_markers):
            return ALREADY_MOUNTED
        if opaque:
            return Refusal(f"the heredoc {opaque[0].name} is not a shell script slimfix reads")
        why = syntax_problem(ctx)
        if why:
            return Refusal(why)
        sudo = next((c for c in commands if through_sudo(c)), None)
        if sudo is not None:
            return Refusal(f"`{sudo.text()}` runs through sudo: its user, HOME and cache folder are not the RUN's")
        if warms_cache(ctx, inst):
            return Refusal("the RUN is there to fill the cache in the image (its comment or command says so)")
        why = offline_reason(ctx, inst, commands, self.offline_options, self.offline_env)
        if why:
            return Refusal(why)
        plan = self.plan_for(ctx, inst, run, commands)
        if isinstance(plan, Refusal):
            return plan
        if any(m.target in mounted for m in plan.mounts):
            return ALREADY_MOUNTED
        for m in plan.mounts:
            why = unwritable_target(m.target)
            if why:
                return Refusal(why)
        targets = [m.target for m in plan.mounts]
        # `~` is all the home is needed for here, and finding it reads the whole stage
        home = home_of(ctx, inst) if any((w.value or w.text).startswith("~") for c in run.commands()
                                         for w in c.words) else None
        for cmd in run.commands():
            if cmd not in plan.cleanups and removes_mount_point(cmd, targets, home):
                return Refusal(f"`{cmd.text()}` would remove the mount point (the RUN would fail)")
        copied = copied_from(ctx, inst, [m.target for m in plan.mounts], above_ok=self.copies_above_ok)
        if copied:
            return Refusal(copied)
        return plan

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for inst in ctx.doc.instructions:
            plan = self.decide(ctx, inst)
            if plan is None or plan is ALREADY_MOUNTED:
                continue
            if isinstance(plan, Refusal):
                yield self.not_fixed(inst, self.message, plan.reason)
                continue
            try:
                edits = plan_edits(ctx, inst, plan)
            except CannotEdit as exc:
                yield self.not_fixed(inst, self.message, exc)
                continue
            yield self.finding(inst, self.message, edits=edits, detail=_detail(plan))


def _detail(plan: Plan) -> str:
    parts = [UNSAFE_NOTE]
    options = [t for _, t in plan.options if t.text.startswith("-")]
    operands = [t for _, t in plan.options if not t.text.startswith("-")]  # of an rm (SF601)
    if options:
        parts.append("removes " + ", ".join(f"`{t.text}`" for t in options) + ", which turns the cache off")
    if operands:
        parts.append("removes " + ", ".join(f"`{t.text}`" for t in operands) + " from the `rm`, which would empty it")
    if plan.cleanups:
        parts.append("removes " + ", ".join(f"`{c.text()}`" for c in plan.cleanups) + ", which would empty it")
    parts += plan.kept
    return "; ".join(parts)


def home_of(ctx: RuleContext, inst: Instruction) -> str | None:
    """The home of the user that runs ``inst`` (what ``~`` means in its RUN), if known."""
    from ...analysis.users import RunUser, run_user

    user = run_user(ctx, inst)
    return user.home if isinstance(user, RunUser) and user.home_unknown is None else None


def _tilde(word: str, home: str | None) -> str | None:
    """``~`` and ``~/...`` with the user's home put in; None when ``~`` cannot be read
    (an unknown home, ``~user``)."""
    if not word.startswith("~"):
        return word
    if home is None or not (word == "~" or word.startswith("~/")):
        return None
    return home.rstrip("/") + word[1:]


def _text(inst: Instruction) -> str:
    return inst.effective.args + "".join(h.content for h in inst.heredocs)


def mount_takes_over(ctx: RuleContext, inst: Instruction, code: str) -> bool:
    """Whether the SF6xx rule ``code`` is selected and mounts (or has mounted) the cache of
    ``inst``: then the cleanup and no-cache rules leave that RUN alone."""
    if code not in ctx.selected:
        return False
    from .. import rule_by_code

    rule = rule_by_code(code)
    if rule is None or not issubclass(rule, CacheMountRule):
        return False
    plan = rule.decide(ctx, inst)
    if plan is ALREADY_MOUNTED:
        return True
    if not isinstance(plan, Plan):
        return False
    try:  # an SF6xx finding whose edit cannot be written leaves the RUN to the cleanups
        plan_edits(ctx, inst, Plan(plan.mounts, plan.options, plan.inserts, list(plan.cleanups), plan.prepend))
    except CannotEdit:
        return False
    return True


# --- guards -------------------------------------------------------------------------

_WINDOWS = re.compile(r"(^|[/:._-])(windows|windowsservercore|servercore|nanoserver|ltsc\d{4})($|[/:._-])", re.I)


def windows_stage(ctx: RuleContext, inst: Instruction) -> bool:
    """A stage built from a Windows image (no ``RUN --mount`` there)."""
    stage = ctx.doc.stage_of(inst)
    if stage is None:
        return False
    for s in ancestors(ctx.doc, stage):
        platform = " ".join(f.value or "" for f in s.from_.flags if f.name.lower() == "platform")
        if _WINDOWS.search(s.base) or "windows" in platform.lower():
            return True
    return False


_SYNTAX = re.compile(r"^(?:docker\.io/)?docker/dockerfile(?::([^@\s]+))?(?:@sha256:[0-9a-f]+)?$", re.I)


def syntax_problem(ctx: RuleContext) -> str | None:
    """Why the file's ``# syntax=`` directive cannot take ``RUN --mount`` (it is never
    changed): a frontend older than 1.2 without -experimental, or one slimfix does not know."""
    value = ctx.doc.directives.get("syntax")
    if not value:
        return None
    m = _SYNTAX.match(value.strip())
    if m is None:
        return f"the `# syntax={value}` frontend is not one slimfix knows supports RUN --mount"
    tag = (m.group(1) or "latest").lower()
    if "experimental" in tag or "labs" in tag:
        return None
    v = re.match(r"^(\d+)(?:\.(\d+))?", tag)
    if v and int(v.group(1)) == 1 and v.group(2) is not None and int(v.group(2)) < 2:
        return f"`# syntax={value}` predates RUN --mount (docker/dockerfile:1.2)"
    return None



def copied_from(ctx: RuleContext, inst: Instruction, targets: list[str], above_ok: bool = False) -> str | None:
    """A later ``COPY --from`` of this stage (or one built from it) that takes a path at or
    above a mount target (at or below it when ``above_ok``): the cache would no longer be
    there to copy."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None:
        return None
    names = {str(s.index) for s in descendants(doc, stage)} | {s.name for s in descendants(doc, stage) if s.name}
    # asked of every RUN: the copies from a stage are found once per file, then bisected
    copies = ctx.memo("COPY --from indexes", lambda: [o.index for o in doc.instructions
                                                       if o.effective.name in ("COPY", "ADD") and o.effective.flag("from")])
    for i in copies[bisect.bisect_right(copies, inst.index):]:
        other = doc.instructions[i]
        cmd = other.effective
        for flag in cmd.flag("from"):
            if (flag.value or "").lower() not in names:
                continue
            for src in other.values()[:-1]:
                p = posixpath.normpath("/" + src.lstrip("/"))
                if "$" in p or any(t == p or (t.startswith(p.rstrip("/") + "/") and not above_ok)
                                   or p.startswith(t + "/") for t in targets):
                    return f"line {other.start_line} copies {src} from this stage, which the mount would leave empty"
    return None


# programs that cannot read a package manager's downloaded sources (Go modules, crates)
HARMLESS = frozenset({
    "apt-get", "apt", "apk", "dnf", "yum", "mkdir", "cp", "mv", "rm", "chmod", "chown", "ln", "echo", "useradd",
    "groupadd", "adduser", "addgroup", "true", "set", "export", "cd", "ls", "cat", "test", "[", "strip", "upx",
    "touch", "printf", "update-ca-certificates", "setcap", "file", "sha256sum"})


def unmounted_reader(ctx: RuleContext, rule: type["CacheMountRule"], inst: Instruction, program: str) -> str | None:
    """Why a later RUN (of the stage, of a stage built from it, an ONBUILD trigger) may read
    the sources ``program`` downloaded into its cache without mounting it: the cache would
    no longer be in the image for it. None when none does."""
    from ...analysis.stages import program as program_of

    def reason(other: Instruction) -> str | None:
        run = ctx.run(other)
        if run is None:
            return "is an exec-form RUN"
        if run.unsupported or run.opaque_heredocs:
            return "cannot be read"
        theirs = rule.plan(ctx, other)
        mounts_too = isinstance(theirs, Plan) or theirs is ALREADY_MOUNTED
        for cmd in run.commands():
            prog = program_of(cmd)
            if prog == program and mounts_too:
                continue
            if prog is None or prog not in HARMLESS:
                return f"runs {prog or 'a command slimfix cannot name'}"
        return None

    found = first_later(ctx, inst, f"{rule.code} readers of {program}'s downloads", reason)
    if found:
        return f"line {found[0].start_line} {found[1]} and would not find the downloads in the image"
    return None


# --- edits --------------------------------------------------------------------------

def plan_edits(ctx: RuleContext, inst: Instruction, plan: Plan) -> list[Edit]:
    doc = ctx.doc
    run = ctx.run(inst)
    assert run is not None
    at = inst.logical.to_file(inst.command.args_span.start)
    flags = " ".join(m.text() for m in plan.mounts) + " "
    code = inst.code_lines
    if len(code) > 1 and not inst.heredocs:
        # a continued RUN gets one mount a line, as Docker's documentation writes them
        second = doc.text[code[1].span.start : code[1].content_end]
        indent = second[: len(second) - len(second.lstrip(" \t"))] or "    "
        newline = line_ending_at(doc, code[0])
        flags = "".join(f"{m.text()} {inst.escape}{newline}{indent}" for m in plan.mounts)
    edits: list[Edit] = []
    if plan.prepend:
        where = _first_token_offset(inst, run)
        if where == at:
            flags += plan.prepend + " && "
        else:
            edits.append(Edit.insert(where, plan.prepend + " && "))
    edits.insert(0, Edit.insert(at, flags))
    for cmd, tok in plan.options:
        edits.append(_delete_word(doc, inst, cmd, tok))
    for cmd, tok, text in plan.inserts:
        edits.append(Edit.insert(file_offset(inst, cmd.script, tok.end, end=True), text))
    targets = [m.target for m in plan.mounts]
    for cmd in list(plan.cleanups):
        try:
            edits.append(_delete_command(inst, cmd))
        except CannotEdit as exc:
            if removes_mount_point(cmd, targets):
                raise CannotEdit(f"`{cmd.text()}` would remove the mount point and cannot be taken out ({exc})")
            plan.cleanups.remove(cmd)
            plan.kept.append(f"keeps `{cmd.text()}` ({exc})")
    return edits


def _first_token_offset(inst: Instruction, run: RunShell) -> int:
    if run.heredoc_scripts:
        doc_, script = run.heredoc_scripts[0]
        tok = next((t for t in script.tokens if t.kind is not TokenKind.COMMENT and t.text != "\n"), None)
        if tok is None:
            raise CannotEdit("the heredoc script is empty")
        return doc_.body.start + tok.start
    script = run.line
    tok = next((t for t in script.tokens if t.kind is not TokenKind.COMMENT), None) if script else None
    if script is None or tok is None:
        raise CannotEdit("the RUN has no command")
    return file_offset(inst, script, tok.start)


def _delete_word(doc, inst: Instruction, cmd: SimpleCommand, tok: Token) -> Edit:
    script = cmd.script
    start = file_offset(inst, script, tok.start)
    end = file_offset(inst, script, tok.end, end=True)
    text = doc.text
    if text[start:end] != tok.text:
        raise CannotEdit(f"`{tok.text}` is split across lines")
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t") == "":  # first word of its line
        e = end
        while e < len(text) and text[e] in " \t":
            e += 1
        esc = "\\" if script.in_file else inst.escape
        rest = text[e:]
        if rest.startswith(esc + "\n") or rest.startswith(esc + "\r\n"):
            nl = text.index("\n", e) + 1
            return Edit.delete(line_start, nl)  # the line held only this word
        # First on its line but not alone there (or the instruction's last word): the gap
        # before it goes, continuation included; deleting only the word would leave the
        # line before continued into a blank one, joining the next instruction to this RUN.
        before = [t for t in script.tokens if t.kind is not TokenKind.COMMENT and t.end <= tok.start]
        if not before:
            raise CannotEdit(f"`{tok.text}` is the first word of the RUN")
        s = file_offset(inst, script, before[-1].end, end=True)
        for ln in inst.lines:
            if ln.kind in (LineKind.COMMENT, LineKind.BLANK) and s < ln.span.end and ln.span.start < end:
                raise CannotEdit(f"a comment line sits before `{tok.text}`")
        return Edit.delete(s, end)
    s = start
    while s > 0 and text[s - 1] in " \t":
        s -= 1
    return Edit.delete(s, end)


def _delete_command(inst: Instruction, cmd: SimpleCommand) -> Edit:
    """Delete `` && cmd``: only a plain command that runs after ``&&`` and is followed by
    ``&&``, ``;``, a newline or nothing (its exit status then hides nothing), with no
    comment line in between."""
    script = cmd.script
    if cmd.compound or cmd.assignments or cmd.redirects:
        raise CannotEdit("it is not a plain command of the RUN's chain")
    toks = [t for t in script.tokens if t.kind is not TokenKind.COMMENT]
    first = next(i for i, t in enumerate(toks) if t.start == cmd.start)
    last = max(i for i, t in enumerate(toks) if t.end <= cmd.end)
    if first < 2 or toks[first - 1].text != "&&":
        raise CannotEdit("it does not run after `&&`")
    after = toks[last + 1] if last + 1 < len(toks) else None
    if after is not None and after.text not in ("&&", ";", "\n"):
        raise CannotEdit(f"`{after.text}` follows it")
    start = file_offset(inst, script, toks[first - 2].end, end=True)
    end = file_offset(inst, script, cmd.end, end=True)
    for ln in inst.lines:
        if ln.kind in (LineKind.COMMENT, LineKind.BLANK) and start < ln.span.end and ln.span.start < end:
            raise CannotEdit("a comment line sits in the chain before it")
    return Edit.delete(start, end)


# --- helpers for the families -------------------------------------------------------

def under(path: str, targets: Iterable[str]) -> bool:
    p = posixpath.normpath(path.rstrip("*").rstrip("/") or "/")
    return any(p == t or p.startswith(t.rstrip("/") + "/") for t in targets)


def removes_mount_point(cmd: SimpleCommand, targets: Iterable[str], home: str | None = None) -> bool:
    """An ``rm`` whose operand is a mount target or above one (``/root/.cache`` and
    ``/root/.cache/*`` both reach ``/root/.cache/pip``; ``~/.cache`` too, ``~`` being
    ``home``), or that slimfix cannot read: a mount point cannot be removed, and rm then
    fails."""
    from ...shell.packages import program_words

    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "rm":
        return False
    targets = list(targets)
    for a in argv[1:]:
        if a is not None and not a.startswith("-"):
            a = _tilde(a, home)  # the shell expands ~ before rm sees it
        if a is None:
            return True
        if a.startswith("-"):
            continue
        p = posixpath.normpath(a) if a.startswith("/") else None
        if p is None:
            continue  # a relative path: under the working directory, not a cache
        if any(ch in p for ch in "*?["):
            head = p.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
            parent = head.rsplit("/", 1)[0] or "/"
            if any(t.startswith(parent.rstrip("/") + "/") for t in targets):
                # `DIR/*` reaches the mount points below DIR, not DIR itself
                if any(t != parent and t.startswith(parent.rstrip("/") + "/") and
                       (posixpath.dirname(t) == parent or t.startswith(head)) for t in targets):
                    return True
            continue
        if any(t == p or t.startswith(p.rstrip("/") + "/") for t in targets):
            return True
    return False


def fixed_values(ctx: RuleContext, inst: Instruction) -> dict[str, str | None]:
    """The variables the stage of ``inst`` sets to a value no ``--build-arg`` changes."""
    from ...analysis.variables import variables_at

    loose = variables_at(ctx.doc, inst, args_fixed=False)
    return {k: v for k, v in variables_at(ctx.doc, inst).items() if v is not None and loose.get(k) == v}


def _expanded(cmd: SimpleCommand, values: dict[str, str | None]) -> list[str | None]:
    """``program_words`` with ``$VAR`` / ``"${VAR}"`` words put in from ``values``."""
    from ...shell.packages import program_words
    from ...analysis.variables import _literal, expand

    argv = program_words(cmd)
    words = cmd.words[len(cmd.words) - len(argv):]
    out: list[str | None] = []
    for a, w in zip(argv, words):
        if a is None:
            text = w.text[1:-1] if len(w.text) > 1 and w.text[0] == w.text[-1] == '"' else w.text
            a = expand(text, values) if _literal(text.replace("$", "")) is not None else None
        out.append(a)
    return out


def removes_only(cmd: SimpleCommand, prog: str, targets: Iterable[str], home: str | None = None,
                 values: dict[str, str | None] | None = None) -> bool:
    """``rm -rf PATH...`` whose every path is in a mounted cache (``~`` is ``home``; a
    variable is read from ``values``, when given)."""
    from ...shell.packages import program_words

    argv = program_words(cmd) if values is None else _expanded(cmd, values)
    if not argv or argv[0] != prog or any(a is None for a in argv):
        return False
    paths = [_tilde(a, home) or "~" for a in argv[1:] if not a.startswith("-")]
    opts = [a for a in argv[1:] if a.startswith("-")]
    if not paths or any(o not in ("-r", "-f", "-rf", "-fr", "-R", "-Rf", "-fR", "--recursive", "--force")
                        for o in opts):
        return False
    targets = list(targets)
    return all(p.startswith("/") and under(p, targets) for p in paths)


def assigned(cmd: SimpleCommand, name: str) -> bool:
    """``NAME=...`` before the program (or through ``env``)."""
    return any(a.text.startswith(name + "=") for a in cmd.assignments) or any(
        w.value and w.value.startswith(name + "=") for w in cmd.words[:3])


def option_value(cmd: SimpleCommand, *names: str) -> tuple[bool, str | None]:
    """(present, value) of ``--name VALUE`` / ``--name=VALUE`` on the command; the value is
    None when it is not a literal."""
    words = cmd.words
    for i, w in enumerate(words):
        v = w.value
        if v is None:
            continue
        for n in names:
            if v == n:
                nxt = words[i + 1].value if i + 1 < len(words) else None
                return True, nxt
            if v.startswith(n + "="):
                return True, v.split("=", 1)[1]
    return False, None


def option_tokens(cmd: SimpleCommand, *names: str) -> list[Token]:
    return [w for w in cmd.words if w.value in names]


# directories every Linux image has: a mount below one of them creates no directory
_SYSTEM_DIRS = {"/", "/tmp", "/var/tmp", "/opt", "/srv", "/var/cache", "/var/lib", "/usr/local", "/usr/local/share",
                "/var", "/usr", "/root"}


def user_cache(ctx: RuleContext, inst: Instruction, rel: str, *, env: str | None = None,
               xdg: str | None = None, explicit: str | None = None, sharing: str | None = None,
               env_suffix: str = "") -> Mount | Refusal:
    """The mount of a cache under the home of the user that runs ``inst``: ``explicit``
    (an option's value), else the variable ``env`` (plus ``env_suffix``) set by ENV or
    ARG, else ``$XDG_CACHE_HOME/xdg``, else ``HOME/rel``; owned by that user."""
    from ...analysis.variables import env_set
    from ...analysis.users import image_environment_unknown, run_user
    from ...analysis.variables import variables_at

    user = run_user(ctx, inst)
    if isinstance(user, str):
        return Refusal(user)
    values = variables_at(ctx.doc, inst)
    placeholders = variables_at(ctx.doc, inst, args_fixed=False)
    target: str | None
    if explicit is not None:
        target = explicit
    elif env and env_set(ctx, inst, env):
        target = values.get(env)
        if target is None or target != placeholders.get(env):
            return Refusal(f"{env} is set from a value slimfix cannot read here")
        target += env_suffix
    elif (why := image_environment_unknown(ctx, inst)) is not None:
        # the tool's default folder follows HOME, XDG_CACHE_HOME or its own variable, any of
        # which the base image may set: only a folder the Dockerfile names is known
        return Refusal(f"{why}: set {env} with ENV to get the fix" if env else why)
    elif xdg and "XDG_CACHE_HOME" in values:
        base = values.get("XDG_CACHE_HOME")
        if base is None:
            return Refusal("XDG_CACHE_HOME is set from a value slimfix cannot read here")
        target = f"{base}/{xdg}"
    else:
        target = f"{user.home.rstrip('/')}/{rel}"
    if not target.startswith("/") or "$" in target:
        return Refusal(f"the cache directory {target} is not an absolute path slimfix can read")
    target = posixpath.normpath(target)
    parent = posixpath.dirname(target)
    if not user.root and parent not in _SYSTEM_DIRS and not (user.home_created and parent == user.home.rstrip("/")):
        # the builder creates missing parents of a mount target as root, and they stay in the image
        return Refusal(f"the builder would create {parent} owned by root for the mount, and it would stay in the "
                       f"image where {user.name} cannot write (set the cache directory to one under / or /tmp, or "
                       f"create {parent} as {user.name})")
    return Mount(posixpath.normpath(target), sharing, None if user.root else user.uid,
                 None if user.root else user.gid)
