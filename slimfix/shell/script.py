"""Commands and operators of a shell script, read from tokens.

Compound commands (``if``, ``while``, ``for``, ``case``, ``{ }``, subshells) are followed
far enough to find the simple commands inside them; function definitions are not, and
make the reader refuse the script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .tokens import ShellSyntaxUnsupported, Token, TokenKind, tokenize

_RESERVED = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}"}
_LOOP_HEADS = {"for", "select"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh"}


@dataclass(frozen=True)
class SimpleCommand:
    words: tuple[Token, ...]  # argv, assignments and redirections excluded
    assignments: tuple[Token, ...]
    redirects: tuple[Token, ...]  # operator and target tokens
    start: int  # offsets in the script's source
    end: int
    compound: bool  # inside if/while/for/{ }/( )
    script: "Script" = field(repr=False, compare=False)

    @cached_property
    def argv(self) -> list[str | None]:
        return [w.value for w in self.words]

    @property
    def name(self) -> str | None:
        """Basename of the program, or None when it is not a literal."""
        if not self.words or self.words[0].value is None:
            return None
        return self.words[0].value.rsplit("/", 1)[-1]

    @property
    def args(self) -> list[str | None]:
        return self.argv[1:]

    def text(self) -> str:
        return self.script.source[self.start : self.end]


@dataclass
class Script:
    source: str
    base: int | None  # where ``source`` starts in the enclosing text; None: not linear
    in_file: bool  # True: ``base`` is a file offset (heredoc); False: a logical offset
    tokens: list[Token]
    commands: list[SimpleCommand] = field(default_factory=list)
    operators: list[Token] = field(default_factory=list)
    comments: list[Token] = field(default_factory=list)
    compound: bool = False
    nested: list["Script"] = field(default_factory=list)

    def all_commands(self) -> list[SimpleCommand]:
        """Commands of this script and of the ``sh -c`` strings inside it."""
        out = list(self.commands)
        for inner in self.nested:
            out += inner.all_commands()
        return out

    @property
    def last_token(self) -> Token | None:
        """The last token that is not a comment or a list terminator (``;``, newline)."""
        for tok in reversed(self.tokens):
            if tok.kind is TokenKind.COMMENT:
                continue
            if tok.kind is TokenKind.OPERATOR and tok.text in (";", "\n"):
                continue
            return tok
        return None

    @property
    def ends_in_background(self) -> bool:
        tok = next((t for t in reversed(self.tokens) if t.kind is not TokenKind.COMMENT
                    and t.text != "\n"), None)
        return tok is not None and tok.text == "&"


def read_script(source: str, base: int | None = 0, *, external_heredocs: bool = False,
                in_file: bool = False) -> Script:
    """Read ``source``; raises ShellSyntaxUnsupported for what it cannot follow."""
    script = Script(source, base, in_file, tokenize(source, external_heredocs=external_heredocs))
    words: list[Token] = []
    assigns: list[Token] = []
    redirects: list[Token] = []
    depth = 0
    in_loop_head = False
    expect_target = False
    # ``case``: "head" until `in`, then "pattern" until `)`, then "body" until `;;`
    cases: list[str] = []

    def finish() -> None:
        if words or assigns or redirects:
            parts = words + assigns + redirects
            start = min(t.start for t in parts)
            end = max(t.end for t in parts)
            script.commands.append(SimpleCommand(tuple(words), tuple(assigns), tuple(redirects),
                                                 start, end, depth > 0, script))
        words.clear()
        assigns.clear()
        redirects.clear()

    for tok in script.tokens:
        if tok.kind is TokenKind.COMMENT:
            script.comments.append(tok)
            continue
        if cases and cases[-1] == "head":
            if tok.value == "in":
                cases[-1] = "pattern"
            continue
        if cases and cases[-1] == "pattern":
            if tok.kind is TokenKind.WORD and tok.value == "esac":
                cases.pop()
                depth -= 1
            elif tok.kind is TokenKind.OPERATOR and tok.text == ")":
                cases[-1] = "body"
            continue
        if cases and tok.kind is TokenKind.OPERATOR and tok.text == ";;":
            finish()
            cases[-1] = "pattern"
            continue
        if cases and tok.kind is TokenKind.WORD and tok.value == "esac" and not (words or assigns or redirects):
            cases.pop()
            depth -= 1
            continue
        if expect_target:
            redirects.append(tok)
            expect_target = False
            continue
        if tok.kind is TokenKind.REDIRECT:
            redirects.append(tok)
            expect_target = True
            continue
        if tok.kind is TokenKind.OPERATOR:
            if tok.text == "(" and (words or assigns):
                raise ShellSyntaxUnsupported("function definitions are not read")
            if tok.text == ";;":
                raise ShellSyntaxUnsupported("`;;` outside a case statement")
            finish()
            script.operators.append(tok)
            if tok.text == "(":
                depth += 1
                script.compound = True
            elif tok.text == ")":
                depth = max(depth - 1, 0)
            if in_loop_head and tok.text in (";", "\n"):
                continue
            continue
        # a word
        at_start = not words and not assigns and not redirects
        if in_loop_head:
            if tok.value == "do":
                in_loop_head = False
            continue
        if at_start and tok.value in _LOOP_HEADS:
            script.compound = True
            in_loop_head = True
            depth += 1
            continue
        if at_start and tok.value == "case":
            script.compound = True
            cases.append("head")
            depth += 1
            continue
        if at_start and tok.value in _RESERVED:
            script.compound = True
            if tok.value in ("if", "while", "until", "{"):
                depth += 1
            elif tok.value in ("fi", "done", "}"):
                depth = max(depth - 1, 0)
            continue
        if at_start and tok.value is not None and _ASSIGNMENT.match(tok.text):
            assigns.append(tok)
            continue
        if not words and _ASSIGNMENT.match(tok.text) and not redirects:
            assigns.append(tok)
            continue
        words.append(tok)
    if expect_target:
        raise ShellSyntaxUnsupported("redirection without a target")
    finish()
    if in_loop_head or depth or cases:
        raise ShellSyntaxUnsupported("unbalanced compound command")
    for cmd in script.commands:
        inner = _shell_c_string(cmd)
        if inner is not None:
            tok = inner
            linear = tok.text[:1] in ("'", '"') and tok.text[1:-1] == tok.value
            inner_base = (base + tok.start + 1) if (linear and base is not None) else None
            script.nested.append(read_script(tok.value or "", inner_base, in_file=in_file))
    return script


def _shell_c_string(cmd: SimpleCommand) -> Token | None:
    """The script token of ``sh -c 'script'`` (also bash, dash, ... with options)."""
    if cmd.name not in SHELLS:
        return None
    words = cmd.words[1:]
    for i, w in enumerate(words):
        v = w.value
        if v is None:
            return None
        if v.startswith("-") and not v.startswith("--") and "c" in v[1:]:
            rest = words[i + 1 :]
            while rest and rest[0].value is not None and rest[0].value.startswith("-"):
                rest = rest[1:]
            if rest and rest[0].value is not None:
                return rest[0]
            return None
        if not v.startswith("-") and not v.startswith("+"):
            return None
    return None
