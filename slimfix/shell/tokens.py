"""A POSIX-shell tokenizer for RUN bodies, with exact spans.

It reads what ``/bin/sh -c`` would read: the instruction's *logical* text, or a heredoc
script. It understands quotes, escapes, ``$(...)``, ``${...}``, ``$((...))``, backticks,
comments, operators, redirections and here-documents. Anything it cannot follow raises
``ShellSyntaxUnsupported``: callers then report without fixing, never guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class ShellSyntaxUnsupported(Exception):
    pass


class TokenKind(Enum):
    WORD = "word"
    OPERATOR = "operator"  # && || ; ;; | |& & ( ) and newline
    REDIRECT = "redirect"  # the operator of a redirection, fd included
    COMMENT = "comment"


@dataclass(frozen=True, slots=True, init=False)
class Token:
    kind: TokenKind
    start: int
    end: int
    text: str
    value: str | None = None  # WORD: the literal after quote removal; None if it expands

    def __init__(self, kind: TokenKind, start: int, end: int, text: str, value: str | None = None) -> None:
        # one per word of every RUN: the slots are set through their descriptors, cheaper
        # than the generated frozen __init__'s object.__setattr__ per field
        _kind(self, kind)
        _start(self, start)
        _end(self, end)
        _text(self, text)
        _value(self, value)

    @property
    def literal(self) -> bool:
        return self.value is not None


_kind = Token.kind.__set__  # type: ignore[attr-defined]
_start = Token.start.__set__  # type: ignore[attr-defined]
_end = Token.end.__set__  # type: ignore[attr-defined]
_text = Token.text.__set__  # type: ignore[attr-defined]
_value = Token.value.__set__  # type: ignore[attr-defined]


_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")", "\n")
_REDIRECTS = ("<<<", "<<-", "&>>", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "<", ">")
_META = frozenset(" \t\r\n;&|()<>")
_QUOTING = frozenset("'\"\\$`")  # neither _META nor _PLAIN: what word() looks at one by one
# Runs of characters with no special meaning, taken in one step.
_PLAIN = re.compile(r"[^ \t\r\n;&|()<>'\"\\$`]+")
_BLANKS = re.compile(r"[ \t\r]+")
_REDIRECT_AT = re.compile(r"(\d*)(<<<|<<-|&>>|<<|>>|<&|>&|<>|>\||&>|<|>)")
_OPERATOR_AT = re.compile(r"&&|\|\||;;|\|&|[;|&()\n]")


MAX_NESTING = 100  # quotes, $(...), ${...} and backquotes inside one another


class _Reader:
    def __init__(self, src: str):
        self.src = src
        self.pos = 0
        self.n = len(src)
        self.nesting = 0

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.src[i] if i < self.n else ""

    def skip_balanced(self, close: str, *, parens: bool = False) -> None:
        """Move past ``close``, following quotes and nested constructs."""
        depth = 0
        while self.pos < self.n:
            ch = self.src[self.pos]
            if ch == "\\":
                self.pos += 2
                continue
            if ch == "'" and close != "`":
                self.single_quote()
                continue
            if ch == '"':
                self.double_quote()
                continue
            if ch == "`" and close != "`":
                self.pos += 1
                self.skip_balanced("`")
                continue
            if ch == "$" and self.peek(1) in ("(", "{"):
                self.dollar()
                continue
            if parens and ch == "(":
                depth += 1
            elif ch == close:
                if parens and depth > 0:
                    depth -= 1
                else:
                    self.pos += 1
                    return
            self.pos += 1
        raise ShellSyntaxUnsupported(f"unterminated {close!r}")

    def backticks(self) -> None:
        """Move past a `...` command substitution starting at the current position."""
        self.pos += 1
        self.skip_balanced("`")

    def single_quote(self) -> str:
        end = self.src.find("'", self.pos + 1)
        if end < 0:
            raise ShellSyntaxUnsupported("unterminated single quote")
        value = self.src[self.pos + 1 : end]
        self.pos = end + 1
        return value

    def double_quote(self) -> str | None:
        """Returns the literal content, or None when it expands something."""
        self.pos += 1
        out: list[str] = []
        literal = True
        while self.pos < self.n:
            ch = self.src[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(out) if literal else None
            if ch == "\\":
                nxt = self.peek(1)
                if nxt in ('"', "\\", "$", "`"):
                    out.append(nxt)
                    self.pos += 2
                    continue
                if nxt == "\n":
                    self.pos += 2
                    continue
                out.append(ch)
                self.pos += 1
                continue
            if ch == "$" and (self.peek(1).isalnum() or self.peek(1) in "{(_@*#?-$!"):
                literal = False
                self.dollar()
                continue
            if ch == "`":
                literal = False
                self.backticks()
                continue
            out.append(ch)
            self.pos += 1
        raise ShellSyntaxUnsupported("unterminated double quote")

    def dollar(self) -> None:
        """Move past a ``$`` expansion starting at the current position."""
        nxt = self.peek(1)
        if nxt == "(":
            self.pos += 2
            self.skip_balanced(")", parens=True)
        elif nxt == "{":
            self.pos += 2
            self.skip_balanced("}")
        elif nxt == "'":
            self.pos += 1
            end = self.pos + 1
            while end < self.n and self.src[end] != "'":
                end += 2 if self.src[end] == "\\" else 1
            if end >= self.n:
                raise ShellSyntaxUnsupported("unterminated $'...'")
            self.pos = end + 1
        else:
            self.pos += 1
            if nxt and (nxt in "@*#?-$!" or nxt.isdigit()):
                self.pos += 1
            else:
                while self.pos < self.n and (self.src[self.pos].isalnum() or self.src[self.pos] == "_"):
                    self.pos += 1

    def word(self) -> Token:
        start = self.pos
        # Most words are one run of plain characters (`apt-get`, `-y`, a package name):
        # one regex match and done.
        plain = _PLAIN.match(self.src, start)
        if plain:
            end = plain.end()
            if end == self.n or self.src[end] in _META:
                self.pos = end
                text = plain.group()
                return Token(TokenKind.WORD, start, end, text, text)
        out: list[str] = []
        literal = True
        while self.pos < self.n:
            ch = self.src[self.pos]
            if ch in _META:
                break
            if ch not in _QUOTING:  # a plain run (at least this character)
                plain = _PLAIN.match(self.src, self.pos)
                out.append(plain.group())
                self.pos = plain.end()
                continue
            if ch == "\\":
                nxt = self.peek(1)
                if nxt == "\n":
                    self.pos += 2
                    continue
                if nxt:
                    out.append(nxt)
                self.pos += 2
                continue
            if ch == "'":
                out.append(self.single_quote())
                continue
            if ch == '"':
                value = self.double_quote()
                if value is None:
                    literal = False
                else:
                    out.append(value)
                continue
            if ch == "`":
                literal = False
                self.backticks()
                continue
            if ch == "$" and self.peek(1) and (self.peek(1).isalnum() or self.peek(1) in "{('_@*#?-$!"):
                literal = False
                self.dollar()
                continue
            out.append(ch)
            self.pos += 1
        self.pos = min(self.pos, self.n)
        text = self.src[start : self.pos]
        return Token(TokenKind.WORD, start, self.pos, text, "".join(out) if literal else None)


def tokenize(src: str, *, external_heredocs: bool = False) -> list[Token]:
    """Tokens of ``src``. With ``external_heredocs`` (a RUN line whose here-documents
    BuildKit has already cut out) a ``<<WORD`` has no body to skip."""
    r = _Reader(src)
    tokens: list[Token] = []
    pending_heredocs: list[tuple[str, bool]] = []
    while r.pos < r.n:
        ch = src[r.pos]
        if ch in " \t\r":
            r.pos = _BLANKS.match(src, r.pos).end()
            continue
        if ch == "\\" and r.peek(1) == "\n":
            r.pos += 2
            continue
        if ch == "#" and (not tokens or tokens[-1].end < r.pos or tokens[-1].kind is not TokenKind.WORD):
            end = src.find("\n", r.pos)
            end = r.n if end < 0 else end
            tokens.append(Token(TokenKind.COMMENT, r.pos, end, src[r.pos : end]))
            r.pos = end
            continue
        m = _REDIRECT_AT.match(src, r.pos) if ch in "<>&0123456789" else None
        redirect = m.group(2) if m and (not m.group(1) or m.group(2)[0] in "<>") else None
        if redirect:
            end = m.end()
            tokens.append(Token(TokenKind.REDIRECT, r.pos, end, src[r.pos : end]))
            r.pos = end
            if redirect in ("<<", "<<-"):
                while r.pos < r.n and src[r.pos] in " \t":
                    r.pos += 1
                target = r.word()
                if not target.text:
                    raise ShellSyntaxUnsupported("here-document without a delimiter")
                tokens.append(target)
                delim = target.value if target.value is not None else target.text
                if not external_heredocs:
                    pending_heredocs.append((delim, redirect == "<<-"))
            continue
        m = _OPERATOR_AT.match(src, r.pos) if ch in "&|;()\n" else None
        op = m.group() if m else None
        if op:
            tokens.append(Token(TokenKind.OPERATOR, r.pos, r.pos + len(op), op))
            r.pos += len(op)
            if op == "\n" and pending_heredocs:
                r.pos = _skip_heredoc_bodies(src, r.pos, pending_heredocs)
                pending_heredocs = []
            continue
        tokens.append(r.word())
    if pending_heredocs:
        raise ShellSyntaxUnsupported("here-document in a one-line command")
    return tokens


def _skip_heredoc_bodies(src: str, pos: int, heredocs: list[tuple[str, bool]]) -> int:
    for delim, strip_tabs in heredocs:
        while True:
            if pos >= len(src):
                raise ShellSyntaxUnsupported(f"here-document {delim!r} is not terminated")
            end = src.find("\n", pos)
            end = len(src) if end < 0 else end + 1
            line = src[pos:end].rstrip("\n").rstrip("\r")
            if strip_tabs:
                line = line.lstrip("\t")
            pos = end
            if line == delim:
                break
    return pos


def _nested(method):
    """Count how deep the reader is in constructs inside one another: past MAX_NESTING the
    RUN is reported as not read (valid shell, but no fix is worth a stack overflow)."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise ShellSyntaxUnsupported(f"shell nesting deeper than {MAX_NESTING}")
            return method(self, *args, **kwargs)
        finally:
            self.nesting -= 1

    return wrapper


for _name in ("skip_balanced", "double_quote", "dollar"):
    setattr(_Reader, _name, _nested(getattr(_Reader, _name)))
