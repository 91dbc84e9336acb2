"""``slimfix server`` through a real LSP client (pytest-lsp): one server process for the
module, a fresh directory and document per test. Every wait has a generous deadline and
returns as soon as what it waits for arrives: nothing here sleeps to let time pass."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient

import slimfix

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 60  # seconds; a loaded two-core machine can be slow to start Python
PUBLISH = t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS

APT = "FROM debian:12-slim\nWORKDIR /app\nRUN apt-get update && apt-get install -y curl\n"


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "slimfix", "server"]))
async def client(lsp_client: LanguageClient):
    caps = t.ClientCapabilities(
        workspace=t.WorkspaceClientCapabilities(workspace_edit=t.WorkspaceEditClientCapabilities(
            document_changes=True, resource_operations=[t.ResourceOperationKind.Create])),
        text_document=t.TextDocumentClientCapabilities(
            hover=t.HoverClientCapabilities(content_format=[t.MarkupKind.Markdown]),
            code_action=t.CodeActionClientCapabilities(
                code_action_literal_support=t.ClientCodeActionLiteralOptions(
                    code_action_kind=t.ClientCodeActionKindOptions(value_set=[
                        t.CodeActionKind.QuickFix, t.CodeActionKind.SourceFixAll])),
                is_preferred_support=True)),
        general=t.GeneralClientCapabilities(position_encodings=[t.PositionEncodingKind.Utf16]))
    await asyncio.wait_for(lsp_client.initialize_session(t.InitializeParams(capabilities=caps)), TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


# -- helpers -----------------------------------------------------------------------------

class Docs:
    """Open documents in a fresh directory; wait for their diagnostics."""

    def __init__(self, client: LanguageClient, root: Path):
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self.latest: dict[str, t.PublishDiagnosticsParams] = {}

    def open(self, name: str, text: str, language: str = "dockerfile", write: bool = True) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if write:
            path.write_text(text, encoding="utf-8", newline="")
        uri = path.as_uri()
        self.versions[uri], self.texts[uri] = 1, text
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))

    async def diagnostics(self, uri: str, until=lambda ds: True) -> list[t.Diagnostic]:
        """The diagnostics published for ``uri`` at its current version, once ``until``
        holds for them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            params = self.latest.get(uri)
            if params is not None and params.version in (None, self.versions[uri]) and until(params.diagnostics):
                return list(params.diagnostics)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no matching diagnostics for {uri}: last {params}")
            # Registered before anything else runs: no notification can slip past.
            try:
                got = await asyncio.wait_for(self.client.protocol.wait_for_notification_async(PUBLISH), remaining)
            except asyncio.TimeoutError:
                continue
            self.latest[got.uri] = got

    async def actions(self, uri: str, line: int, only: list[str] | None = None) -> list[t.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(t.Position(line, 0), t.Position(line, 0)),
            context=t.CodeActionContext(diagnostics=[], only=only))), TIMEOUT)
        return list(result or [])


@pytest.fixture
def docs(client: LanguageClient, tmp_path) -> Docs:
    return Docs(client, tmp_path)


def utf16_offset(text: str, line: int, character: int) -> int:
    """An offset from an LSP position, counted independently of the server's code."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    pos = starts[line] if line < len(starts) else len(text)
    units = 0
    while units < character and pos < len(text) and text[pos] not in "\r\n":
        units += len(text[pos].encode("utf-16-le")) // 2
        pos += 1
    return pos


def apply(text: str, edit: t.WorkspaceEdit, uri: str) -> str:
    """Apply a workspace edit's changes to one document, as an editor would."""
    edits: list[t.TextEdit] = []
    for change in edit.document_changes or []:
        if isinstance(change, t.TextDocumentEdit) and change.text_document.uri == uri:
            edits += change.edits
    for e in (edit.changes or {}).get(uri, []):
        edits.append(e)
    spans = sorted(((utf16_offset(text, e.range.start.line, e.range.start.character),
                     utf16_offset(text, e.range.end.line, e.range.end.character), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def titled(actions: list[t.CodeAction], needle: str) -> t.CodeAction:
    found = [a for a in actions if needle in a.title]
    assert len(found) == 1, [a.title for a in actions]
    return found[0]


def codes(ds) -> list[str]:
    return [d.code for d in ds]


# -- diagnostics -------------------------------------------------------------------------

async def test_open_publishes_diagnostics_with_code_range_message(docs: Docs):
    uri = docs.open("Dockerfile", APT)
    ds = await docs.diagnostics(uri)
    assert codes(ds) == ["SF102", "SF103"]
    sf102 = ds[0]
    # the offending command, `apt-get update`
    assert sf102.range == t.Range(t.Position(2, len("RUN ")), t.Position(2, len("RUN apt-get update")))
    assert sf102.message == "apt-get update without `rm -rf /var/lib/apt/lists/*` in the same RUN"
    assert sf102.severity == t.DiagnosticSeverity.Warning
    assert sf102.source == "slimfix"
    assert sf102.code_description is None  # no public home, no link to a page that does not exist


async def test_advice_is_information_with_its_note(docs: Docs):
    uri = docs.open("Dockerfile", "FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends gcc"
                                  " && rm -rf /var/lib/apt/lists/*\n")
    ds = await docs.diagnostics(uri)
    (advice,) = [d for d in ds if d.code == "SF502"]
    assert advice.severity == t.DiagnosticSeverity.Information
    assert advice.message.endswith("(not fixed: no `pip install` after the build tools: slimfix cannot tell "
                                   "what they build)")


async def test_positions_count_utf16_code_units(docs: Docs):
    line = 'RUN echo "\U0001f433 é" && apt-get update && apt-get install -y --no-install-recommends curl'
    uri = docs.open("Dockerfile", f"FROM debian:12-slim\n{line}\n")
    (d,) = await docs.diagnostics(uri)
    assert d.code == "SF102"
    before = line[: line.index("apt-get update")]
    assert d.range.start == t.Position(1, len(before.encode("utf-16-le")) // 2)
    assert d.range.start.character == len(before) + 1  # the whale is two code units


async def test_parse_error_is_one_error_diagnostic_at_its_line(docs: Docs):
    uri = docs.open("Dockerfile", "FROM debian:12-slim\nRUN <<EOF\necho hi\n")
    (d,) = await docs.diagnostics(uri)
    assert d.severity == t.DiagnosticSeverity.Error
    assert d.range.start == t.Position(1, 0)
    assert "unterminated heredoc" in d.message
    # The server is still there, and checks the document once it parses.
    docs.change(uri, "FROM debian:12-slim\nRUN <<EOF\necho hi\nEOF\n")
    assert await docs.diagnostics(uri) == []


async def test_change_is_checked_and_close_clears(docs: Docs):
    uri = docs.open("Dockerfile", "FROM debian:12-slim\n")
    assert await docs.diagnostics(uri) == []
    docs.change(uri, "FROM debian:12-slim\nRUN apk add curl\n")
    ds = await docs.diagnostics(uri, until=lambda ds: len(ds) > 0)
    assert codes(ds) == ["SF302"] and ds[0].range.start.line == 1
    docs.client.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)))
    docs.versions[uri] = None  # a clearing carries no version
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while docs.latest[uri].diagnostics:
        got = await asyncio.wait_for(docs.client.protocol.wait_for_notification_async(PUBLISH), deadline - loop.time())
        docs.latest[got.uri] = got


async def test_other_documents_are_left_alone(docs: Docs):
    other = docs.open("notes.py", "RUN apt-get update\n", language="python")
    uri = docs.open("app.Dockerfile", APT, language="plaintext")  # by its name
    assert codes(await docs.diagnostics(uri)) == ["SF102", "SF103"]
    # Notifications are handled in order: one for notes.py would have come first.
    assert other not in docs.latest and other not in docs.client.diagnostics


async def test_config_of_the_document_directory_applies(docs: Docs):
    (docs.root / "slimfix.toml").write_text('ignore = ["SF103"]\n', encoding="utf-8")
    uri = docs.open("svc/Dockerfile", APT)
    assert codes(await docs.diagnostics(uri)) == ["SF102"]


async def test_bad_config_is_an_error_on_the_document(docs: Docs):
    (docs.root / "slimfix.toml").write_text('select = ["SF999"]\n', encoding="utf-8")
    uri = docs.open("Dockerfile", APT)
    (d,) = await docs.diagnostics(uri)
    assert d.severity == t.DiagnosticSeverity.Error and "SF999" in d.message


# -- code actions -------------------------------------------------------------------------

async def test_quick_fix_applies_exactly_that_fix(docs: Docs):
    uri = docs.open("Dockerfile", APT)
    await docs.diagnostics(uri)
    actions = await docs.actions(uri, 2)
    fix = titled(actions, "(SF102): Remove")
    assert fix.title == "slimfix (SF102): Remove the apt lists at the end of this RUN"  # what the edit does
    assert fix.kind == t.CodeActionKind.QuickFix and fix.is_preferred is True
    assert codes(fix.diagnostics) == ["SF102"]
    assert apply(APT, fix.edit, uri) == (
        "FROM debian:12-slim\nWORKDIR /app\n"
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n")
    unsafe = titled(actions, "(SF103): Install")
    assert "unsafe" in unsafe.title and not unsafe.is_preferred
    assert apply(APT, unsafe.edit, uri) == (
        "FROM debian:12-slim\nWORKDIR /app\nRUN apt-get update && apt-get install --no-install-recommends -y curl ca-certificates\n")
    # On WORKDIR: nothing of its own, only the whole file's fix.
    assert [a.kind for a in await docs.actions(uri, 1)] == ["source.fixAll.slimfix"]


async def test_fix_all_is_the_cli_fix_loop(docs: Docs):
    text = ("FROM python:3.12-slim\r\nRUN apt-get update\r\nRUN apt-get install -y libpq5\r\n"
            "RUN pip install flask\r\nADD app.py /app/\r\n")
    uri = docs.open("Dockerfile", text)
    await docs.diagnostics(uri)
    (action,) = await docs.actions(uri, 0, only=[t.CodeActionKind.SourceFixAll])
    assert action.kind == "source.fixAll.slimfix" and action.title == "slimfix: Apply every safe fix in this file"
    fixed = apply(text, action.edit, uri)
    assert fixed == slimfix.fix(text, path=docs.root / "Dockerfile").text
    assert fixed == ("FROM python:3.12-slim\r\nRUN apt-get update && \\\r\n    apt-get install -y libpq5 && \\\r\n"
                     "    rm -rf /var/lib/apt/lists/*\r\nRUN pip install --no-cache-dir flask\r\nCOPY app.py /app/\r\n")
    # Only the lines that change are replaced.
    edits = action.edit.document_changes[0].edits
    assert all(e.range.start.line >= 1 for e in edits)
    # Asked for quick fixes only, no fix all.
    assert all(a.kind == t.CodeActionKind.QuickFix for a in await docs.actions(uri, 0, only=["quickfix"]))


async def test_ignore_comment_keeps_indentation_and_line_endings(docs: Docs):
    text = "FROM debian:12-slim AS base\r\nONBUILD RUN true\r\n  RUN apk add curl\r\n"
    uri = docs.open("Dockerfile", text)
    assert codes(await docs.diagnostics(uri)) == ["SF302"]
    ignore = titled(await docs.actions(uri, 2), "(SF302): Ignore")
    ignored = apply(text, ignore.edit, uri)
    assert ignored == "FROM debian:12-slim AS base\r\nONBUILD RUN true\r\n  # slimfix: ignore=SF302\r\n  RUN apk add curl\r\n"
    docs.change(uri, ignored)
    assert await docs.diagnostics(uri, until=lambda ds: not ds) == []


async def test_ignore_adds_to_an_existing_comment(docs: Docs):
    text = "FROM debian:12-slim\n# slimfix: ignore=SF103\nRUN apt-get update && apt-get install -y curl\n"
    uri = docs.open("Dockerfile", text)
    assert codes(await docs.diagnostics(uri)) == ["SF102"]
    ignored = apply(text, titled(await docs.actions(uri, 2), "(SF102): Ignore").edit, uri)
    assert ignored == "FROM debian:12-slim\n# slimfix: ignore=SF103,SF102\nRUN apt-get update && apt-get install -y curl\n"


async def test_dockerignore_fix_creates_the_file(docs: Docs):
    (docs.root / ".git").mkdir()
    (docs.root / "app.py").write_text("print()\n", encoding="utf-8")
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
    uri = docs.open("Dockerfile", text)
    assert "SF401" in codes(await docs.diagnostics(uri))
    action = titled(await docs.actions(uri, 2), "(SF401): Create")
    assert action.title == "slimfix (SF401): Create .dockerignore excluding .git"
    create, write = action.edit.document_changes
    target = (docs.root / ".dockerignore").resolve().as_uri()
    assert isinstance(create, t.CreateFile) and create.uri == target
    assert write.text_document.uri == target
    assert write.edits[0].new_text.splitlines() == ["# Never needed in the image (added by slimfix, SF401)", ".git"]


async def test_a_document_over_the_cli_size_limit_gets_one_error_not_a_check(docs: Docs):
    from slimfix.fileio import MAX_BYTES

    uri = docs.open("Dockerfile", APT + "# padding\n" * (MAX_BYTES // 10), write=False)
    (d,) = await docs.diagnostics(uri)
    assert d.severity == t.DiagnosticSeverity.Error and d.message.startswith("slimfix: skipped: too large (")
    assert await docs.actions(uri, 2) == []


async def test_no_quick_fix_writes_outside_the_workspace(docs: Docs):
    """A compose file may build the Dockerfile with a context outside the workspace: the
    CLI refuses to write its .dockerignore there, and so does the server. (The client
    names no workspace folder: the document's folder is the workspace.)"""
    victim = docs.root / "victim"
    (victim / ".git").mkdir(parents=True)
    (victim / "app.py").write_text("print()\n", encoding="utf-8")
    (docs.root / "app").mkdir()
    (docs.root / "app" / "compose.yaml").write_text(
        "services:\n  web:\n    build:\n      context: ../victim\n      dockerfile: ../app/Dockerfile\n")
    uri = docs.open("app/Dockerfile", "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n")
    assert "SF401" in codes(await docs.diagnostics(uri))  # reported: the finding is true
    actions = await docs.actions(uri, 2)
    assert not [a for a in actions if a.title.startswith("slimfix (SF401): Create")], [a.title for a in actions]
    assert not (victim / ".dockerignore").exists()


# -- hover --------------------------------------------------------------------------------

async def test_hover_shows_the_rules_documentation(docs: Docs):
    uri = docs.open("Dockerfile", APT)
    await docs.diagnostics(uri)
    hover = await asyncio.wait_for(docs.client.text_document_hover_async(t.HoverParams(
        t.TextDocumentIdentifier(uri), t.Position(2, 5))), TIMEOUT)
    assert hover.contents.kind == t.MarkupKind.Markdown
    value = hover.contents.value
    assert value.startswith("### SF102 apt-lists-cleanup\n")
    assert "#### What it does" in value and "#### Fix safety" in value and "### SF103" in value
    assert hover.range.start == t.Position(2, len("RUN "))  # the command the finding is about
    nothing = await asyncio.wait_for(docs.client.text_document_hover_async(t.HoverParams(
        t.TextDocumentIdentifier(uri), t.Position(1, 2))), TIMEOUT)
    assert nothing is None


async def test_requests_for_unknown_documents_get_empty_answers(docs: Docs):
    uri = (docs.root / "Dockerfile").as_uri()  # never opened
    assert await docs.actions(uri, 0) == []
    ok = docs.open("Dockerfile", APT)
    assert codes(await docs.diagnostics(ok)) == ["SF102", "SF103"]


# -- a bug in a rule ------------------------------------------------------------------------

# A server whose SF503 raises on a document that mentions CRASH: what a bug would do.
CRASHING = """
import slimfix.rules.sf503_add_to_copy as m
check = m.AddToCopy.check
def broken(self, ctx):
    if "CRASH" in ctx.doc.text:
        raise RuntimeError("boom")
    return check(self, ctx)
m.AddToCopy.check = broken
from slimfix.server import serve
serve()
"""


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-c", CRASHING]))
async def crashing(lsp_client: LanguageClient):
    await asyncio.wait_for(lsp_client.initialize_session(t.InitializeParams(capabilities=t.ClientCapabilities())),
                           TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def test_an_exception_is_logged_and_the_server_keeps_serving(crashing: LanguageClient, tmp_path):
    docs = Docs(crashing, tmp_path)
    bad = docs.open("Dockerfile", "FROM debian:12-slim\n# CRASH\nRUN apk add curl\n")
    (d,) = await docs.diagnostics(bad)
    assert d.severity == t.DiagnosticSeverity.Error and d.message == "slimfix internal error: RuntimeError: boom"
    assert any("boom" in m.message and m.type == t.MessageType.Error for m in crashing.log_messages)
    assert await docs.actions(bad, 2) == []
    good = docs.open("other/Dockerfile", "FROM debian:12-slim\nRUN apk add curl\n")
    assert codes(await docs.diagnostics(good)) == ["SF302"]
