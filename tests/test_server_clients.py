"""The .dockerignore quick fix for the clients editors really are: the capability sets
Neovim, VS Code and Helix send (issue 27, section 4)."""

from __future__ import annotations

import asyncio
import sys

import pytest
import pytest_lsp
from editor_clients import EDITORS, capabilities
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient
from test_server import TIMEOUT, Docs, codes, titled

from slimfix.server.actions import Actions, ClientEdits, client_edits
from slimfix.server.documents import analyze

CONTEXT_COPY = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"


def _context(root, dockerignore: str | None = None):
    (root / ".git").mkdir()
    (root / "app.py").write_text("print()\n")
    if dockerignore is not None:
        (root / ".dockerignore").write_text(dockerignore)
    (root / "Dockerfile").write_text(CONTEXT_COPY)
    return analyze((root / "Dockerfile").as_uri(), CONTEXT_COPY)


@pytest.mark.parametrize("editor", sorted(EDITORS))
def test_each_editor_can_create_and_update_files(editor):
    assert client_edits(capabilities(editor)) == ClientEdits(document_changes=True, create_files=True)


@pytest.mark.parametrize("editor", sorted(EDITORS))
def test_each_editor_gets_the_create_dockerignore_quick_fix(tmp_path, editor):
    a = _context(tmp_path)
    actions = Actions(a, "utf-16", client_edits(capabilities(editor))).for_range(0, len(CONTEXT_COPY), None)
    [fix] = [x for x in actions if "(SF401)" in x.title and "Ignore" not in x.title]
    create, write = fix.edit.document_changes
    assert isinstance(create, t.CreateFile) and create.uri == (tmp_path / ".dockerignore").resolve().as_uri()


def test_a_client_without_document_changes_still_gets_an_update_of_an_existing_file(tmp_path):
    a = _context(tmp_path, "*.md\n")
    actions = Actions(a, "utf-16", ClientEdits()).for_range(0, len(CONTEXT_COPY), None)
    [fix] = [x for x in actions if "(SF401)" in x.title and "Ignore" not in x.title]
    [(uri, [edit])] = fix.edit.changes.items()
    assert uri == (tmp_path / ".dockerignore").resolve().as_uri() and edit.new_text.startswith("*.md\n")
    (tmp_path / "new").mkdir()
    created = _context(tmp_path / "new")  # no .dockerignore yet
    assert not [x for x in Actions(created, "utf-16", ClientEdits()).for_range(0, len(CONTEXT_COPY), None)
                if "(SF401)" in x.title and "Ignore" not in x.title]  # creating a file needs the protocol's CreateFile


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "slimfix", "server"]))
async def neovim(lsp_client: LanguageClient):
    await asyncio.wait_for(lsp_client.initialize_session(t.InitializeParams(capabilities=capabilities("neovim"))),
                           TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


@pytest.mark.asyncio(loop_scope="module")
async def test_neovim_is_offered_the_create_dockerignore_quick_fix(neovim: LanguageClient, tmp_path):
    docs = Docs(neovim, tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text("print()\n")
    uri = docs.open("Dockerfile", CONTEXT_COPY)
    assert "SF401" in codes(await docs.diagnostics(uri))
    action = titled(await docs.actions(uri, 2), "Create .dockerignore")
    create, write = action.edit.document_changes
    assert isinstance(create, t.CreateFile)
