"""Code actions: apply one finding's fix, fix everything in the file as the CLI's
``--write`` would (``source.fixAll.slimfix``), and add a ``# slimfix: ignore=CODE``
comment above an instruction."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from lsprotocol import types

from ..engine import FixError, check_pass, fix_document
from ..fixes import Applicability, Edit, FileChange, Fix, apply_edits
from ..rules import Finding
from ..safepaths import Roots
from ..signals import TIME_BUDGET, OverBudget, time_budget
from ..suppressions import ALL, slimfix_pragma
from ..syntax import Dockerfile, Instruction, ParseError, Trivia, TriviaKind, parse
from .diagnostics import diagnostic
from .documents import Analysis
from .positions import LineIndex
from .titles import fix_all_title, fix_title, ignore_title

log = logging.getLogger(__name__)

FIX_ALL = "source.fixAll.slimfix"
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL]


@dataclass(frozen=True)
class ClientEdits:
    """What the client's workspace edits support (from its capabilities)."""

    document_changes: bool = False
    create_files: bool = False


def client_edits(caps: types.ClientCapabilities | None) -> ClientEdits:
    """What a client takes, from what clients really announce. VS Code and Helix set
    ``documentChanges`` and list ``create`` among ``resourceOperations``; Neovim lists the
    resource operations only, and applies document changes too: resource operations
    exist only inside ``documentChanges``, so a client that announces one takes them."""
    workspace = caps.workspace if caps is not None else None
    edit = workspace.workspace_edit if workspace is not None else None
    if edit is None:
        return ClientEdits()
    operations = {str(getattr(op, "value", op)) for op in edit.resource_operations or []}
    return ClientEdits(document_changes=bool(edit.document_changes) or bool(operations),
                       create_files="create" in operations)


def wanted(kind: str, only: list[str] | None) -> bool:
    """A kind is asked for when ``only`` is absent or names it or a parent kind."""
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


class Actions:
    """The code actions for a range of one analysed document. A change to another file
    is offered only inside ``roots`` (the workspace folders), as the CLI writes only
    inside the folders it was given; without roots, inside the document's folder."""

    def __init__(self, analysis: Analysis, encoding: str, client: ClientEdits, roots: Roots | None = None):
        self.analysis = analysis
        self.index = LineIndex(analysis.text, encoding)
        self.client = client
        if roots is None:
            roots = Roots([str(analysis.path.parent)] if analysis.path is not None else [])
        self.roots = roots

    def for_range(self, start: int, end: int, only: list[str] | None) -> list[types.CodeAction]:
        """Within the CLI's time budget (fix all runs the fix loop; each quick fix its
        pass check): past it, none, and none again for this text."""
        a = self.analysis
        if a.problem is not None or a.settings is None or a.memo.get("over budget"):
            return []
        try:
            with time_budget(TIME_BUDGET):
                return self._for_range(start, end, only)
        except OverBudget:
            a.memo["over budget"] = True
            log.warning("%s: code actions took more than %g s; none offered for this text", a.uri, TIME_BUDGET)
            return []

    def _for_range(self, start: int, end: int, only: list[str] | None) -> list[types.CodeAction]:
        a = self.analysis
        # A finding's lightbulb shows from the start of its line, not only on its words.
        here = [f for f in a.findings if a.text.rfind("\n", 0, f.start) + 1 <= end and start <= f.end]
        out: list[types.CodeAction] = []
        if wanted(types.CodeActionKind.QuickFix, only):
            out += [x for f in here if (x := self.fix_action(f)) is not None]
            seen: set[tuple[str, int]] = set()
            for f in here:
                x = self.ignore_action(f, seen)
                if x is not None:
                    out.append(x)
        if wanted(FIX_ALL, only) and (x := self.fix_all_action()) is not None:
            out.append(x)
        return out

    # -- one finding's fix ---------------------------------------------------------

    def fix_action(self, f: Finding) -> types.CodeAction | None:
        if f.fix is not None and f.fix.applicability > Applicability.DISPLAY_ONLY:
            if not self._passes(f.fix):
                return None
            edit = self._workspace_edit([self._text_edit(e) for e in f.fix.edits])
            return self._quickfix(f, fix_title(f), edit)
        if f.file_change is not None and f.file_change.applicability > Applicability.DISPLAY_ONLY:
            edit = self._file_change_edit(f.file_change)
            if edit is None:
                return None
            return self._quickfix(f, fix_title(f), edit)
        return None

    def _quickfix(self, f: Finding, title: str, edit: types.WorkspaceEdit) -> types.CodeAction:
        return types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, edit=edit,
            diagnostics=[diagnostic(self.index, f)],
            is_preferred=True if f.applicability is Applicability.SAFE else None)

    def _passes(self, fix: Fix) -> bool:
        """The pass check the fix loop makes, for this fix alone."""
        doc = self.analysis.doc
        applied = apply_edits(doc.text, list(fix.edits))
        try:
            new = parse(applied.text)
        except ParseError as exc:
            log.warning("%s: a fix does not parse (%s); not offered", self.analysis.uri, exc)
            return False
        problem = check_pass(doc, new, applied.targets, applied.regions)
        if problem:
            log.warning("%s: a fix failed the pass check (%s); not offered", self.analysis.uri, problem)
        return problem is None

    def _file_change_edit(self, change: FileChange) -> types.WorkspaceEdit | None:
        """Create or rewrite another file (``.dockerignore``): creating one needs a client
        that takes document changes and creates files; rewriting one that exists works
        with any client (as plain ``changes`` when it takes no document changes)."""
        why = self.roots.why_not(change.path)
        if why is not None:  # a build context outside the workspace (``../victim``), or a link out of it
            log.warning("%s: %s: %s", self.analysis.uri, change.path, why)
            return None
        uri = change.path.resolve().as_uri()
        before = change.before or ""
        if change.before is None or not change.path.exists():
            if not (self.client.document_changes and self.client.create_files):
                return None
            ops: list = [types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True))]
            before = ""
        else:
            ops = []
        end = LineIndex(before, self.index.encoding).position(len(before))
        rewrite = types.TextEdit(types.Range(types.Position(0, 0), types.Position(*end)), change.after)
        if not self.client.document_changes:
            return types.WorkspaceEdit(changes={uri: [rewrite]})
        ops.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None), edits=[rewrite]))
        return types.WorkspaceEdit(document_changes=ops)

    # -- fix all ---------------------------------------------------------------------

    def fix_all_action(self) -> types.CodeAction | None:
        """Every fix the CLI's ``--write`` would apply to this file (safe ones; unsafe
        ones too when the config sets ``unsafe-fixes``), through the same fix loop.
        Changes to other files are left to their own quick fixes."""
        a = self.analysis
        if "fix all" not in a.memo:  # editors ask on every cursor move
            a.memo["fix all"] = self._fixed()
        output = a.memo["fix all"]
        if output is None or output == a.text:
            return None
        edits = [self._text_edit(e) for e in line_edits(a.text, output)]
        assert a.settings is not None
        return types.CodeAction(title=fix_all_title(a.settings.threshold), kind=FIX_ALL,
                                edit=self._workspace_edit(edits))

    def _fixed(self) -> str | None:
        a = self.analysis
        assert a.settings is not None
        try:
            outcome = fix_document(a.text, list(a.settings.rules), threshold=a.settings.threshold,
                                   path=a.path, context_dir=a.settings.context_dir)
        except (FixError, ParseError) as exc:
            log.warning("%s: fix all not offered: %s", a.uri, exc)
            return None
        return outcome.output

    # -- ignore comments -----------------------------------------------------------

    def ignore_action(self, f: Finding, seen: set[tuple[str, int]]) -> types.CodeAction | None:
        doc = self.analysis.doc
        inst = instruction_at(doc, f.start)
        if inst is None or (f.code, inst.index) in seen:
            return None
        seen.add((f.code, inst.index))
        edit = ignore_edit(doc, inst, f.code)
        return types.CodeAction(
            title=ignore_title(f.code),
            kind=types.CodeActionKind.QuickFix,
            edit=self._workspace_edit([self._text_edit(edit)]),
            diagnostics=[diagnostic(self.index, f)])

    # -- edits -----------------------------------------------------------------------

    def _text_edit(self, e: Edit) -> types.TextEdit:
        (l1, c1), (l2, c2) = self.index.position(e.start), self.index.position(e.end)
        return types.TextEdit(types.Range(types.Position(l1, c1), types.Position(l2, c2)), e.text)

    def _workspace_edit(self, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        a = self.analysis
        if self.client.document_changes:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=a.uri, version=a.version),
                edits=edits)])
        return types.WorkspaceEdit(changes={a.uri: edits})


def instruction_at(doc: Dockerfile, offset: int) -> Instruction | None:
    return next((i for i in doc.instructions if i.span.start <= offset < i.span.end), None)


def ignore_edit(doc: Dockerfile, inst: Instruction, code: str) -> Edit:
    """Add ``code`` to a ``# slimfix: ignore=...`` comment directly above ``inst``, or
    insert one there with the instruction's indentation and the file's line ending."""
    comment = _ignore_comment_above(doc, inst)
    if comment is not None:
        start, end, codes = comment
        return Edit(start, end, f"# slimfix: ignore={','.join(codes + [code])}")
    first = doc.text[inst.span.start : inst.lines[0].content_end]
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    return Edit.insert(inst.span.start, f"{indent}# slimfix: ignore={code}{doc.newline}")


def _ignore_comment_above(doc: Dockerfile, inst: Instruction) -> tuple[int, int, list[str]] | None:
    """(start, end, codes) of a ``# slimfix: ignore=CODES`` comment in the comments
    directly above ``inst`` (no blank line between), as suppressions reads them."""
    at = doc.nodes.index(inst)
    for node in reversed(doc.nodes[:at]):
        if not isinstance(node, Trivia) or node.kind is not TriviaKind.COMMENT:
            return None
        raw = doc.text[node.span.start : node.span.end]
        pragma = slimfix_pragma(raw)
        if pragma is not None and pragma[0] == "ignore" and ALL not in pragma[1]:
            start = node.span.start + raw.index("#")
            end = node.span.start + len(raw.rstrip(" \t\r\n"))
            return start, end, pragma[1]
    return None


_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def line_edits(before: str, after: str) -> list[Edit]:
    """The lines that differ, as edits on ``before``: applying them gives ``after``."""
    a, b = _LINE.findall(before), _LINE.findall(after)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            edits.append(Edit(starts[i1], starts[i2], "".join(b[j1:j2])))
    return edits
