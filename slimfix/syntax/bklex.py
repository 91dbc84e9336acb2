"""A port of BuildKit's word lexer (frontend/dockerfile/shell/lex.go), as far as the
parser uses it: splitting a logical line into words to find heredoc markers.

The environment is always empty and unset variables are kept as written
(``SkipUnsetEnv``), so the only thing that matters is where words begin and end and
when BuildKit gives up with an error. Quirks are kept on purpose, including the shared
word buffer that a nested ``${...}`` resets: matching BuildKit beats being tidy.
"""

from __future__ import annotations

from .text import GO_SPACE

EOF = ""


class LexError(Exception):
    pass


class _Words:
    def __init__(self, buf: list[str]):
        self.buf = buf
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in GO_SPACE and self.in_word:
            if self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        elif ch not in GO_SPACE:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.buf.append(ch)
        self.in_word = True

    def add_string(self, s: str) -> None:
        for ch in s:
            self.add_char(ch)

    def add_raw_string(self, s: str) -> None:
        self.buf.append(s)
        self.in_word = True

    def get_words(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
            self.in_word = False
        return self.words


class BuildKitLexer:
    def __init__(self, source: str, *, raw_quotes: bool, raw_escapes: bool):
        self.src = source
        self.pos = 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.escape = "\\"
        self.shared_buf: list[str] = []

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else EOF

    def next(self) -> str:
        if self.pos >= len(self.src):
            return EOF
        ch = self.src[self.pos]
        self.pos += 1
        return ch

    def words(self) -> list[str]:
        return self._stop_on(EOF, self.raw_escapes)[1]

    def _stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        result: list[str] = []
        self.shared_buf.clear()
        words = _Words(self.shared_buf)
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            while self.peek() != EOF:
                ch = self.peek()
                if stop != EOF and ch == stop:
                    self.next()
                    return "".join(result), words.get_words()
                handler = {
                    "$": self._dollar,
                    "<": self._possible_heredoc,
                    "'": self._single_quote,
                    '"': self._double_quote,
                }.get(ch)
                if handler is not None:
                    tmp = handler()
                    result.append(tmp)
                    if ch == "$":
                        words.add_string(tmp)
                    else:
                        words.add_raw_string(tmp)
                    continue
                ch = self.next()
                if ch == self.escape:
                    if self.raw_escapes:
                        words.add_raw_char(ch)
                        result.append(ch)
                    ch = self.next()
                    if ch == EOF:
                        break
                    words.add_raw_char(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
            if stop != EOF:
                raise LexError(f"unexpected end of statement while looking for matching {stop}")
            return "".join(result), words.get_words()
        finally:
            self.raw_escapes = saved

    def _single_quote(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.raw_quotes:
            out.append(ch)
        while True:
            ch = self.next()
            if ch == EOF:
                raise LexError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def _double_quote(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.raw_quotes:
            out.append(ch)
        while True:
            p = self.peek()
            if p == EOF:
                raise LexError("unexpected end of statement while looking for matching double-quote")
            if p == '"':
                ch = self.next()
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if p == "$":
                out.append(self._dollar())
                continue
            ch = self.next()
            if ch == self.escape:
                if self.raw_escapes:
                    out.append(ch)
                nxt = self.peek()
                if nxt == EOF:
                    continue
                if nxt in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def _name(self) -> str:
        name: list[str] = []
        while self.peek() != EOF:
            ch = self.peek()
            if not name and ch.isdigit():
                while self.peek() != EOF and self.peek().isdigit():
                    name.append(self.next())
                return "".join(name)
            if not name and ch in "@*#?-$!0":
                return self.next()
            if not (ch.isalpha() or ch.isdigit() or ch == "_"):
                break
            name.append(self.next())
        return "".join(name)

    def _dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self._name()
            return "$" + name if name else "$"
        self.next()
        p = self.peek()
        if p == EOF:
            raise LexError("syntax error: missing '}'")
        if p in "{}:":
            raise LexError("syntax error: bad substitution")
        name = self._name()
        ch = self.next()
        chs = ch
        if ch == "}":
            return "${" + name + "}"
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            chs += ch
        if ch == ":" or ch in ("+", "-", "?", "#", "%") or null_is_unset:
            raw = ch in ("#", "%")
            if null_is_unset and raw:
                raise LexError(f"unsupported modifier ({chs}) in substitution")
            try:
                word, _ = self._stop_on("}", raw)
            except LexError:
                if self.peek() == EOF:
                    raise LexError("syntax error: missing '}'") from None
                raise
            return "${" + name + chs + word + "}"
        if ch == "/":
            if self.peek() == "/":
                self.next()
            pattern, _ = self._stop_on("/", True)
            replacement, _ = self._stop_on("}", True)
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        raise LexError(f"unsupported modifier ({chs}) in substitution")

    def _possible_heredoc(self) -> str:
        self.next()
        if self.peek() != "<":
            return "<"
        self.next()
        space: list[str] = []
        while self.peek() in ("\t", "\r", " ") and self.peek() != EOF:
            space.append(self.next())
        return "<<" + "".join(space)


def buildkit_words(source: str, *, raw_quotes: bool, raw_escapes: bool = False) -> list[str]:
    """ProcessWords; raises LexError where BuildKit returns an error."""
    return BuildKitLexer(source, raw_quotes=raw_quotes, raw_escapes=raw_escapes).words()
