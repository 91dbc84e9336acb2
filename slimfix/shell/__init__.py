"""Reading the shell inside RUN instructions."""

from .run import RunShell, read_run
from .script import SHELLS, Script, SimpleCommand, read_script
from .tokens import ShellSyntaxUnsupported, Token, TokenKind, tokenize

__all__ = [
    "RunShell", "SHELLS", "Script", "ShellSyntaxUnsupported", "SimpleCommand", "Token",
    "TokenKind", "read_run", "read_script", "tokenize",
]
