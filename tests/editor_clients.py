"""The client capabilities editors send in ``initialize`` (the parts a code action
depends on), as JSON, for the server tests.

- Neovim 0.8 to 0.11, ``vim.lsp.protocol.make_client_capabilities()``: ``workspaceEdit``
  lists ``resourceOperations`` only, with no ``documentChanges`` (Neovim applies them).
- VS Code, vscode-languageclient 9.
- Helix 23.10 to 25.01, helix-lsp's ``initialize``.
"""

from __future__ import annotations

from lsprotocol import converters
from lsprotocol import types as t

_KINDS = ["", "quickfix", "refactor", "refactor.extract", "refactor.inline", "refactor.rewrite", "source",
          "source.organizeImports"]

NEOVIM = {
    "workspace": {
        "applyEdit": True, "workspaceFolders": True, "configuration": True,
        "workspaceEdit": {"resourceOperations": ["rename", "create", "delete"]},
        "didChangeWatchedFiles": {"dynamicRegistration": False, "relativePatternSupport": True},
    },
    "textDocument": {
        "codeAction": {
            "dynamicRegistration": True, "isPreferredSupport": True, "dataSupport": True,
            "resolveSupport": {"properties": ["edit"]},
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": _KINDS}},
        },
        "hover": {"dynamicRegistration": True, "contentFormat": ["markdown", "plaintext"]},
    },
    "general": {"positionEncodings": ["utf-16"]},
}

VSCODE = {
    "workspace": {
        "applyEdit": True, "workspaceFolders": True, "configuration": True,
        "workspaceEdit": {"documentChanges": True, "resourceOperations": ["create", "rename", "delete"],
                          "failureHandling": "textOnlyTransactional", "normalizesLineEndings": True,
                          "changeAnnotationSupport": {"groupsOnLabel": True}},
    },
    "textDocument": {
        "codeAction": {
            "dynamicRegistration": True, "isPreferredSupport": True, "disabledSupport": True, "dataSupport": True,
            "resolveSupport": {"properties": ["edit"]}, "honorsChangeAnnotations": True,
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": _KINDS}},
        },
        "hover": {"dynamicRegistration": True, "contentFormat": ["markdown", "plaintext"]},
    },
    "general": {"positionEncodings": ["utf-16"]},
}

HELIX = {
    "workspace": {
        "applyEdit": True, "workspaceFolders": True, "configuration": True,
        "workspaceEdit": {"documentChanges": True, "resourceOperations": ["create", "rename", "delete"],
                          "failureHandling": "abort", "normalizesLineEndings": False},
        "executeCommand": {"dynamicRegistration": False},
    },
    "textDocument": {
        "codeAction": {
            "isPreferredSupport": True, "disabledSupport": True, "dataSupport": True,
            "resolveSupport": {"properties": ["edit", "command"]},
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": _KINDS}},
        },
        "hover": {"contentFormat": ["markdown"]},
    },
    "general": {"positionEncodings": ["utf-8", "utf-32", "utf-16"]},
}

EDITORS = {"neovim": NEOVIM, "vscode": VSCODE, "helix": HELIX}


def capabilities(editor: str) -> t.ClientCapabilities:
    return converters.get_converter().structure(EDITORS[editor], t.ClientCapabilities)
