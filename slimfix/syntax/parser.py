"""The lossless parser: BuildKit's reading of a Dockerfile (parser.go), with spans.

The control flow mirrors ``parser.Parse`` line for line so that the two agree on what
is a directive, a comment, a continuation and a heredoc; the difference is that every
physical line is kept and attached to a node.
"""

from __future__ import annotations

import re

from .arguments import NotStringArray, parse_json_array, parse_name_values, split_healthcheck
from .bklex import LexError, buildkit_words
from .nodes import (
    Command,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    LineKind,
    LogicalText,
    PhysicalLine,
    Span,
    Trivia,
    TriviaKind,
)
from .text import (
    BOM,
    GO_SPACE,
    MAX_LINE_BYTES,
    ParseError,
    go_lstrip,
    go_rstrip,
    split_lines,
)

_DIRECTIVE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$", re.S)
_KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)\s*([^<]*)$", re.S)
_HEREDOC_COMMANDS = ("ADD", "COPY", "RUN")
_KEYWORD_GAP = re.compile(r"[\t\v\f\r ]+")
_JSON_COMMANDS = ("RUN", "CMD", "ENTRYPOINT", "SHELL")
_LIST_COMMANDS = ("ADD", "COPY", "VOLUME")


def _continued(line: str, escape: str) -> str | None:
    r"""The line without its continuation escape, or None when it does not continue.

    Go's regexp ``([^\\])\\[ \t]*$|^\\[ \t]*$`` (``$`` meaning end of text): the
    escape is the last character but spaces and tabs, and is not itself escaped. With str
    methods rather than a regex search, which tries every position of every line."""
    body = line.rstrip(" \t")
    if body.endswith(escape) and (len(body) == 1 or body[-2] != escape):
        return body[:-1]
    return None


class _Directives:
    def __init__(self) -> None:
        self.done = False
        self.seen: dict[str, str] = {}

    def parse_line(self, token: str, line: int) -> tuple[str, str] | None:
        if self.done:
            return None
        if not token.startswith("#"):
            self.done = True
            return None
        m = _DIRECTIVE.match(go_lstrip(token[1:]))
        if not m or m.group(1).lower() not in _KNOWN_DIRECTIVES:
            self.done = True
            return None
        key = m.group(1).lower()
        if key in self.seen:
            raise ParseError(f"only one {key} parser directive can be used", line)
        self.seen[key] = m.group(2)
        if key == "escape" and m.group(2) not in ("`", "\\"):
            raise ParseError(f"invalid escape token '{m.group(2)}' does not match ` or \\", line)
        return key, m.group(2)


def _extract_flags(rest: str, escape: str, base: int) -> tuple[int, list[Flag]]:
    """extractBuilderFlags: leading ``--flag`` words; returns where arguments start. Inside
    a flag BuildKit takes a backslash as the escape, whatever the escape directive says."""
    flags: list[Flag] = []
    n = len(rest)
    pos = 0
    while True:
        while pos < n and rest[pos] in GO_SPACE:
            pos += 1
        if pos == n:
            return n, flags
        if not rest.startswith("--", pos):
            return pos, flags
        start = pos
        buf: list[str] = []
        blank_ok = False
        quote = ""
        while pos < n:
            ch = rest[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\":
                    if pos + 1 == n:
                        quote = ""
                    else:
                        pos += 1
                        buf.append(rest[pos])
                else:
                    buf.append(ch)
                pos += 1
                continue
            if ch in GO_SPACE:
                break
            if ch in "'\"":
                quote, blank_ok = ch, True
            elif ch == "\\":
                if pos + 1 < n:
                    pos += 1
                    buf.append(rest[pos])
            else:
                buf.append(ch)
            pos += 1
        word = "".join(buf)
        if word == "--":
            if pos == n:
                return n, flags
            return pos, flags
        if blank_ok or word:
            name, eq, value = word[2:].partition("=")
            flags.append(Flag(name, value if eq else None, word, Span(base + start, base + pos)))
        if pos == n:
            return n, flags


def _parse_command(line: str, base: int, escape: str, first_line: int) -> Command:
    """splitCommand plus the JSON-form decision of the dispatcher, on line[base:]."""
    seg = line[base:]
    lstripped = go_lstrip(seg)
    start = base + len(seg) - len(lstripped)
    trimmed = go_rstrip(lstripped)
    gap = _KEYWORD_GAP.search(trimmed)
    if gap is None:
        keyword = trimmed
        end = start + len(trimmed)
        return Command(keyword, Span(start, end), (), "", Span(end, end), False, None, None, keyword.upper())
    keyword = trimmed[: gap.start()]
    rest = trimmed[gap.end() :]
    rest_base = start + gap.end()
    if rest.startswith("--") or (rest[:1] in GO_SPACE and "--" in rest):
        args_at, flags = _extract_flags(rest, escape, rest_base)
    else:
        args_at, flags = 0, []
    args_raw = rest[args_at:]
    args_lead = len(args_raw) - len(go_lstrip(args_raw))
    args = go_rstrip(go_lstrip(args_raw))
    a0 = rest_base + args_at + args_lead
    args_span = Span(a0, a0 + len(args))
    name = keyword.upper()
    is_json = False
    values = None
    try:
        if name in _JSON_COMMANDS and args:
            values = parse_json_array(args)
        elif name in _LIST_COMMANDS:
            values = parse_json_array(args)
        elif name == "HEALTHCHECK":
            typ, cmd_rest = split_healthcheck(args)
            if typ and cmd_rest:
                values = parse_json_array(cmd_rest)
    except NotStringArray as exc:
        raise ParseError(str(exc), first_line) from None
    if values is not None:
        is_json = True
    sub = None
    if name == "ONBUILD" and args:
        sub = _parse_command(line, args_span.start, escape, first_line)
    if name in ("ENV", "LABEL"):
        try:
            parse_name_values(args, name, escape)
        except ValueError as exc:
            raise ParseError(str(exc), first_line) from None
    return Command(keyword, Span(start, start + len(keyword)), tuple(flags), args, args_span,
                   is_json, tuple(values) if values is not None else None, sub, name)


def _heredocs_from_line(line: str, first_line: int) -> list[tuple[str, int, bool, bool]]:
    try:
        words = buildkit_words(line, raw_quotes=True, raw_escapes=True)
    except LexError:
        words = []
    found = []
    for word in words:
        m = _HEREDOC_WORD.match(word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        try:
            plain = buildkit_words(rest, raw_quotes=False)
            if len(plain) != 1:
                continue
            raw = buildkit_words(rest, raw_quotes=True)
        except LexError as exc:
            raise ParseError(str(exc), first_line) from None
        if len(raw) != len(plain):
            raise ParseError(f"internal lexing of heredoc produced inconsistent results: {rest}", first_line)
        name = plain[0]
        quotes = name.count("'") + name.count('"')
        raw_quotes = raw[0].count("'") + raw[0].count('"')
        fd = int(m.group(1)) if m.group(1) else 0
        found.append((name, fd, m.group(2) == "-", quotes == raw_quotes))
    return found


def parse(text: str) -> Dockerfile:
    """Parse ``text`` (already decoded; a leading U+FEFF is the BOM)."""
    nodes: list = []
    offset = 0
    if text.startswith(BOM):
        nodes.append(Trivia(TriviaKind.BOM, Span(0, 1), 0))
        offset = 1
    lines = split_lines(text, offset)
    # A character is at most 4 bytes in UTF-8: only a text that long can hold a line too long.
    if len(text) * 4 > MAX_LINE_BYTES:
        for ln in lines:
            if len(text[ln.start : ln.end].rstrip("\n").encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
                raise ParseError(f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}", ln.number)

    directives = _Directives()
    escape = "\\"
    instructions: list[Instruction] = []
    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        content = text[ln.start : ln.content_end]
        token = go_lstrip(content)
        directive = directives.parse_line(token, ln.number)
        if directive is not None:
            nodes.append(Trivia(TriviaKind.DIRECTIVE, Span(ln.start, ln.end), ln.number, directive))
            if directive[0] == "escape":
                escape = directive[1]
            i += 1
            continue
        if token.startswith("#"):
            nodes.append(Trivia(TriviaKind.COMMENT, Span(ln.start, ln.end), ln.number))
            i += 1
            continue
        piece = _continued(token, escape)
        ended = piece is None
        if ended:
            piece = token
        if ended and not piece:
            nodes.append(Trivia(TriviaKind.BLANK, Span(ln.start, ln.end), ln.number))
            i += 1
            continue

        first = ln
        phys = [PhysicalLine(LineKind.CODE, ln.number, Span(ln.start, ln.end), ln.content_end)]
        file_start = ln.content_end - len(token)
        pieces = [(0, file_start, len(piece))]
        logical = [piece]
        length = len(piece)
        i += 1
        while not ended and i < n:
            ln = lines[i]
            content = text[ln.start : ln.content_end]
            i += 1
            stripped = go_lstrip(content)
            if stripped.startswith("#"):
                phys.append(PhysicalLine(LineKind.COMMENT, ln.number, Span(ln.start, ln.end), ln.content_end))
                continue
            if not stripped:
                phys.append(PhysicalLine(LineKind.BLANK, ln.number, Span(ln.start, ln.end), ln.content_end))
                continue
            piece = _continued(content, escape)
            ended = piece is None
            if ended:
                piece = content
            phys.append(PhysicalLine(LineKind.CODE, ln.number, Span(ln.start, ln.end), ln.content_end))
            if piece:
                pieces.append((length, ln.start, len(piece)))
                logical.append(piece)
                length += len(piece)
        line = "".join(logical)
        command = _parse_command(line, 0, escape, first.number)

        heredocs: list[Heredoc] = []
        target = command.sub or command
        if target.name in _HEREDOC_COMMANDS and not target.json and "<<" in line:
            for name, fd, chomp, expand in _heredocs_from_line(line, first.number):
                body_start = lines[i].start if i < n else len(text)
                while True:
                    if i >= n:
                        raise ParseError("unterminated heredoc", first.number)
                    ln = lines[i]
                    i += 1
                    candidate = text[ln.start : ln.content_end]
                    if chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == name:
                        phys.append(PhysicalLine(LineKind.HEREDOC_END, ln.number, Span(ln.start, ln.end), ln.content_end))
                        heredocs.append(Heredoc(name, fd, chomp, expand, Span(body_start, ln.start),
                                                Span(ln.start, ln.end), text[body_start : ln.start]))
                        break
                    phys.append(PhysicalLine(LineKind.HEREDOC_BODY, ln.number, Span(ln.start, ln.end), ln.content_end))
        last = phys[-1]
        inst = Instruction(
            index=len(instructions),
            span=Span(first.start, last.span.end),
            lines=tuple(phys),
            logical=LogicalText(line, tuple(pieces)),
            command=command,
            heredocs=tuple(heredocs),
            start_line=first.number,
            end_line=last.number,
            escape=escape,
            source=text,
        )
        instructions.append(inst)
        nodes.append(inst)

    if not instructions:
        raise ParseError("file with no instructions", max(len(lines), 1))
    stage = -1
    for inst in instructions:
        if inst.keyword == "FROM":
            stage += 1
        inst.stage = stage
    return Dockerfile(text=text, nodes=nodes, escape=escape, directives=dict(directives.seen))
