"""The pygls wiring: which notifications and requests the server answers, debouncing,
and keeping the server up whatever a handler raises."""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
import traceback
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..config import NAMES as CONFIG_NAMES
from ..safepaths import Roots
from .actions import KINDS, Actions, ClientEdits, client_edits
from .diagnostics import diagnostics
from .documents import Analysis, analyze, is_dockerfile, uri_to_path
from .hover import hover
from .positions import LineIndex

log = logging.getLogger("slimfix.server")

DEBOUNCE = 0.2  # seconds between the last change and the check
# A save of one of these re-checks every open Dockerfile: they change its settings,
# its build context's contents or which context it has.
_RECHECK_ON_SAVE = set(CONFIG_NAMES) | {".dockerignore", "docker-bake.hcl"}


class SlimfixServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("slimfix", __version__,
                         # Whole texts: no incremental bookkeeping to get wrong, and
                         # Dockerfiles are small.
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.open: set[str] = set()  # URIs of the open Dockerfiles
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.analyses: dict[str, Analysis] = {}

    @property
    def encoding(self) -> str:
        caps = getattr(self.protocol, "server_capabilities", None)
        enc = caps.position_encoding if caps is not None else None
        return str(getattr(enc, "value", enc) or "utf-16")

    def client_edits(self) -> ClientEdits:
        return client_edits(self.client_capabilities)

    def write_roots(self, document: Path | None) -> Roots:
        """Where a quick fix may create or change a file: the workspace folders (or the
        root the client named); with neither, the document's own folder."""
        folders = [uri_to_path(f.uri) for f in self.workspace.folders.values()]
        if not folders and self.workspace.root_uri:
            folders = [uri_to_path(self.workspace.root_uri)]
        paths = [str(p) for p in folders if p is not None]
        if not paths and document is not None:
            paths = [str(document.parent)]
        return Roots(paths)

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current text (reused while it is current)."""
        document = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == document.version and cached.text == document.source:
            return cached
        started = time.perf_counter()
        result = analyze(uri, document.source, document.version)
        log.debug("%s: checked in %.1f ms", uri, (time.perf_counter() - started) * 1000)
        self.analyses[uri] = result
        return result

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.open:
            return
        try:
            a = self.analysis(uri)
            found = diagnostics(a, self.encoding)
            version = a.version
        except Exception as exc:  # a bug in a rule: say so on the file, keep serving
            self.log_error(f"checking {uri}", exc)
            found = [types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                message=f"slimfix internal error: {type(exc).__name__}: {exc}",
                severity=types.DiagnosticSeverity.Error, source="slimfix")]
            version = None
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version))

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        self.cancel(uri)
        self.pending[uri] = asyncio.get_running_loop().call_later(delay, self.publish, uri)

    def cancel(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def log_error(self, what: str, exc: BaseException) -> None:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.error("%s failed:\n%s", what, tb)
        try:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"slimfix: {what} failed:\n{tb}"))
        except Exception:  # pragma: no cover - the connection is gone
            pass


def guarded(default=None):
    """A handler that logs what it raises and returns ``default``: one bad request or
    notification never takes the server down."""
    def wrap(fn):
        @functools.wraps(fn)
        def handler(ls: SlimfixServer, params):
            try:
                return fn(ls, params)
            except Exception as exc:
                ls.log_error(fn.__name__.replace("_", " "), exc)
                return default
        return handler
    return wrap


def create_server() -> SlimfixServer:
    server = SlimfixServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(ls: SlimfixServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if is_dockerfile(doc.uri, doc.language_id):
            ls.open.add(doc.uri)
            ls.cancel(doc.uri)
            ls.publish(doc.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(ls: SlimfixServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.open:
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded()
    def did_save(ls: SlimfixServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_to_path(uri)
        if path is not None and (path.name in _RECHECK_ON_SAVE or path.name.startswith(("compose.", "docker-compose."))):
            ls.analyses.clear()
            for other in sorted(ls.open):
                ls.cancel(other)
                ls.publish(other)
        elif uri in ls.open:
            ls.analyses.pop(uri, None)  # files around it may have changed
            ls.cancel(uri)
            ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(ls: SlimfixServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        ls.analyses.pop(uri, None)
        if uri in ls.open:
            ls.open.discard(uri)
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=False))
    @guarded(default=[])
    def code_action(ls: SlimfixServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if uri not in ls.open:
            return []
        a = ls.analysis(uri)
        index = LineIndex(a.text, ls.encoding)
        r = params.range
        start = index.offset(r.start.line, r.start.character)
        end = index.offset(r.end.line, r.end.character)
        return Actions(a, ls.encoding, ls.client_edits(), ls.write_roots(a.path)).for_range(
            start, end, params.context.only)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded()
    def on_hover(ls: SlimfixServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        if uri not in ls.open:
            return None
        return hover(ls.analysis(uri), ls.encoding, params.position.line)

    return server


def setup_logging(level: int = logging.INFO) -> None:
    """Log to standard error (standard output is the protocol's)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    log.setLevel(level)


__all__ = ["DEBOUNCE", "SlimfixServer", "create_server", "setup_logging"]
