"""What the layer-waste rules (SF701-SF703) share: where a COPY lands, what lies between
two instructions of a stage, how big a copied tree is in the build context, and the edits
that take one command out of a RUN's ``&&`` chain or a whole instruction out of the file.

A layer can only add: bytes an earlier layer wrote and a later one deletes, re-owns or
re-modes are shipped twice (or for nothing). These helpers answer "is it provably the
same image if the work moves" conservatively: anything they cannot see is a reason."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Iterable

from ...edits import CannotEdit, end_with_blank_collapsed, file_offset, leading_comments_start
from ...fixes import Edit
from ...shell import SimpleCommand
from ...shell.tokens import TokenKind
from ...syntax import Dockerfile, Instruction, LineKind
from ..base import RuleContext
from ...analysis.context_copy import absolute_dest, path_at, source_path

# Instructions that neither read nor write files of the image.
INERT = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT",
                   "MAINTAINER"})
ARCHIVE = re.compile(r"\.(tar|tgz|tbz2?|txz|tzst|tar\.(gz|bz2|xz|zst|lz4|lzma|Z)|zip)$", re.I)
REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.I)


def copy_parts(inst: Instruction) -> tuple[list[str], str] | None:
    """(sources, destination as written) of a COPY/ADD, or None for a heredoc or exec-form
    one whose values cannot be taken as paths."""
    if inst.effective.name not in ("COPY", "ADD") or inst.heredocs:
        return None
    values = list(inst.values())
    if len(values) < 2:
        return None
    return values[:-1], values[-1]


def landing(ctx: RuleContext, inst: Instruction) -> str | None:
    """The absolute destination of a COPY/ADD (the folder, or the file for one source
    copied to a name), or None when a variable or a WORKDIR makes it unknowable."""
    parts = copy_parts(inst)
    if parts is None:
        return None
    dest = absolute_dest(ctx.doc, inst, parts[1])
    if dest is None or dest != absolute_dest(ctx.doc, inst, parts[1], args_fixed=False):
        return None
    return dest


def copied_file(ctx: RuleContext, inst: Instruction) -> str | None:
    """Where the single file source of a COPY/ADD lands, as an absolute path."""
    parts = copy_parts(inst)
    if parts is None or len(parts[0]) != 1:
        return None
    src, dest = parts[0][0], parts[1]
    if re.search(r"[*?\[$]", src):
        return None
    where = landing(ctx, inst)
    if where is None:
        return None
    if dest.endswith("/") or dest in (".", "./"):
        name = posixpath.basename(src.rstrip("/"))
        return posixpath.join(where, name) if name not in ("", ".", "..") else None
    return where


def resolve(ctx: RuleContext, inst: Instruction, word: str) -> str | None:
    """A path word of a RUN as an absolute path (against the WORKDIR in force)."""
    return path_at(ctx.doc, inst, word)


def under(path: str, top: str) -> bool:
    """``path`` is ``top`` or inside it."""
    return path == top or top == "/" or path.startswith(top.rstrip("/") + "/")


def between(doc: Dockerfile, first: Instruction, last: Instruction) -> list[Instruction]:
    return [o for o in doc.instructions[first.index + 1 : last.index]]


def mentions(text: str, path: str) -> bool:
    """Whether ``text`` names ``path`` (or something inside it) as a path."""
    return re.search(r"(?<![\w.-])" + re.escape(path.rstrip("/")) + r"(?![\w.-])", text) is not None


def context_size(ctx: RuleContext, inst: Instruction) -> int | None:
    """Bytes a COPY/ADD of local files brings from the build context, as far as the
    context tells (None: a remote source, another stage, a wildcard, no context)."""
    parts = copy_parts(inst)
    bc = ctx.build_context
    if parts is None or bc is None or inst.effective.flag("from"):
        return None
    try:
        ignore = bc.ignore
    except Exception:  # a .dockerignore slimfix cannot read: no estimate
        return None
    from ...buildcontext import is_ignored

    total = 0
    for src in parts[0]:
        if REMOTE.match(src) or re.search(r"[*?\[$]", src):
            return None
        rel = source_path(src)
        if rel.startswith("../") or rel == "..":
            return None
        if bc.is_file(rel):
            if not is_ignored(ignore, rel):
                total += _size(bc.root / rel)
            continue
        if not bc.is_dir(rel):
            return None
        for directory, dirnames, filenames in bc.walk("" if rel == "." else rel):
            base = os.path.relpath(directory, str(bc.root))
            base = "" if base == "." else base
            dirnames[:] = [d for d in dirnames if not is_ignored(ignore, posixpath.join(base, d))]
            for name in filenames:
                if not is_ignored(ignore, posixpath.join(base, name)):
                    total += _size(os.path.join(directory, name))
    return total


def path_size(ctx: RuleContext, inst: Instruction, path: str) -> int | None:
    """Bytes of the part of a local COPY/ADD's tree that lands at ``path`` (a file or a
    folder), as far as the build context tells: 0 when the context does not hold it,
    None when it cannot tell."""
    parts = copy_parts(inst)
    bc = ctx.build_context
    if parts is None or bc is None or inst.effective.flag("from") or len(parts[0]) != 1:
        return None
    if copied_file(ctx, inst) == path:
        return context_size(ctx, inst)
    land = landing(ctx, inst)
    src = parts[0][0]
    if land is None or REMOTE.match(src) or re.search(r"[*?\[$]", src) or not under(path, land):
        return None
    rel = posixpath.normpath(posixpath.join(source_path(src), posixpath.relpath(path, land)))
    if rel.startswith(".."):
        return None
    try:
        ignore = bc.ignore
    except Exception:
        return None
    from ...buildcontext import is_ignored

    if bc.is_file(rel):
        return 0 if is_ignored(ignore, rel) else _size(bc.root / rel)
    if not bc.is_dir(rel) or is_ignored(ignore, rel):
        return 0  # not in the context: the copy did not bring it
    total = 0
    for directory, dirnames, filenames in bc.walk(rel):
        base = os.path.relpath(directory, str(bc.root))
        dirnames[:] = [d for d in dirnames if not is_ignored(ignore, posixpath.join(base, d))]
        total += sum(_size(os.path.join(directory, n)) for n in filenames
                     if not is_ignored(ignore, posixpath.join(base, n)))
    return total


def _size(path) -> int:
    try:
        st = os.lstat(path)
    except OSError:
        return 0
    return st.st_size if not os.path.islink(path) else 0


def human(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} bytes"


# --- edits ----------------------------------------------------------------------------

def chain_position(cmd: SimpleCommand) -> tuple[str | None, str | None]:
    """The operators before and after ``cmd`` in its script (None at either end; comments
    skipped)."""
    toks = [t for t in cmd.script.tokens if t.kind is not TokenKind.COMMENT]
    first = next(i for i, t in enumerate(toks) if t.start == cmd.start)
    last = max(i for i, t in enumerate(toks) if t.end <= cmd.end)
    before = toks[first - 1].text if first > 0 else None
    after = toks[last + 1].text if last + 1 < len(toks) else None
    return before, after


def top_level_and_chain(commands: Iterable[SimpleCommand]) -> bool:
    """Every command is a plain one of the top-level script, joined by ``&&`` only."""
    cmds = list(commands)
    for i, cmd in enumerate(cmds):
        if cmd.compound or cmd.script is not cmds[0].script:
            return False
        before, after = chain_position(cmd)
        if i == 0 and before is not None:
            return False
        if i > 0 and before != "&&":
            return False
        if i == len(cmds) - 1 and after not in (None, "\n"):
            return False
    return True


def delete_command(inst: Instruction, cmd: SimpleCommand) -> Edit:
    """Take ``cmd`` out of the RUN's ``&&`` chain: `` && cmd`` when it follows ``&&``, or
    ``cmd && `` when it comes first and ``&&`` follows it. Raises CannotEdit otherwise."""
    script = cmd.script
    if cmd.compound or cmd.assignments or cmd.redirects:
        raise CannotEdit("it is not a plain command of the RUN's chain")
    toks = [t for t in script.tokens if t.kind is not TokenKind.COMMENT]
    first = next(i for i, t in enumerate(toks) if t.start == cmd.start)
    last = max(i for i, t in enumerate(toks) if t.end <= cmd.end)
    after = toks[last + 1] if last + 1 < len(toks) else None
    if first >= 2 and toks[first - 1].text == "&&":
        if after is not None and after.text not in ("&&", "\n"):
            raise CannotEdit(f"`{after.text}` follows it")
        start = file_offset(inst, script, toks[first - 2].end, end=True)
        end = file_offset(inst, script, cmd.end, end=True)
    elif first == 0 and after is not None and after.text == "&&" and last + 2 < len(toks):
        start = file_offset(inst, script, cmd.start)
        end = file_offset(inst, script, toks[last + 2].start)
    else:
        raise CannotEdit("it is neither first in the RUN's `&&` chain nor after `&&`")
    for ln in inst.lines:
        if ln.kind in (LineKind.COMMENT, LineKind.BLANK) and start < ln.span.end and ln.span.start < end:
            raise CannotEdit("a comment line sits in the chain beside it")
    return Edit.delete(start, end)


def delete_word(inst: Instruction, cmd: SimpleCommand, index: int) -> Edit:
    """Delete word ``index`` of ``cmd`` with the blanks before it (on one line)."""
    tok = cmd.words[index]
    start = file_offset(inst, cmd.script, tok.start)
    end = file_offset(inst, cmd.script, tok.end, end=True)
    text = inst.source
    if text[start:end] != tok.text:
        raise CannotEdit(f"`{tok.text}` is split across lines")
    s = start
    while s > 0 and text[s - 1] in " \t":
        s -= 1
    if text[s - 1 : s] in ("\n", "\r", ""):
        raise CannotEdit(f"`{tok.text}` starts a line")
    return Edit.delete(s, end)


def delete_instruction(doc: Dockerfile, inst: Instruction) -> Edit:
    """Delete ``inst`` with the comment lines directly above it (they describe it)."""
    start = leading_comments_start(doc, inst)
    return Edit.delete(start, end_with_blank_collapsed(doc, start, inst))


def set_flags(inst: Instruction, values: dict[str, str]) -> list[Edit]:
    """``--name=value`` for each item on a COPY/ADD: an existing flag's text replaced, the
    others added (in one insertion) after the keyword."""
    cmd = inst.command
    edits, new = [], []
    for name, value in values.items():
        flag = next((f for f in cmd.flags if f.name.lower() == name), None)
        if flag is None:
            new.append(f" --{name}={value}")
            continue
        start = inst.logical.to_file(flag.span.start)
        end = inst.logical.end_to_file(flag.span.end)
        if end - start != flag.span.end - flag.span.start:
            raise CannotEdit(f"a line continuation splits --{name}")
        edits.append(Edit(start, end, f"--{name}={value}"))
    if new:
        at = inst.logical.end_to_file(cmd.keyword_span.end)
        if at - inst.logical.to_file(cmd.keyword_span.start) != len(cmd.keyword):
            raise CannotEdit("a line continuation splits the keyword")
        edits.append(Edit.insert(at, "".join(new)))
    return edits
