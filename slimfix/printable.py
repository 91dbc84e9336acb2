"""Text from outside slimfix (file names, lines quoted from the build context) made safe
for where it is shown. A file name may hold any byte but ``/`` and NUL: Python reads the
bytes that are not UTF-8 as lone surrogates (``os.fsdecode``), which no UTF-8 stream,
JSON parser or XML parser accepts; control characters (ESC, CR) would reach a terminal as
commands and are not allowed in XML. Each output escapes them the way it can:

- a terminal, a text report, a log: ``\\xNN`` (``\\uNNNN`` above U+00FF) for control
  characters (CR included), for the bytes that are not UTF-8, and for the marks that reverse the order
  text is shown in, so the name a person reads is the one they would type;
- XML: the same escapes (XML 1.0 cannot hold most control characters at all, not even as
  character references);
- JSON: its own ``\\u`` escapes for control characters (exact), ``\\xNN`` text for the bytes
  that are not UTF-8 (a lone surrogate escape is rejected by strict parsers).
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, lone surrogates, and the bidirectional overrides and isolates
# ("Trojan Source"). Tab and newline are kept where whole texts are written (``keep``).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_IN_TEXT = re.compile(f"[{_UNSAFE}]")
_IN_LINE = re.compile(f"[\t\n{_UNSAFE}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# What JSON may carry raw but a terminal showing the report would obey.
_JSON_SHOWN_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What XML 1.0 cannot hold (its Char production), and what a terminal would obey.
_NOT_XML = re.compile(f"[{_UNSAFE}\ufffe\uffff]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_line(text: str) -> str:
    """One line for a terminal or a text report: no control character (not even a
    newline, which would forge a line), no byte that is not UTF-8."""
    return _IN_LINE.sub(lambda m: _escape(m.group()), text)


def for_terminal(text: str) -> str:
    """A message of one or more lines for a terminal: newlines and tabs stay."""
    return _IN_TEXT.sub(lambda m: _escape(m.group()), text)


def for_json(text: str) -> str:
    """A JSON document (``json.dumps(..., ensure_ascii=False)``) made valid UTF-8 and safe
    to show: raw surrogates, which only occur inside strings, become ``\\xNN`` text (a
    backslash in JSON is written ``\\\\``); C1 controls and direction marks their exact
    ``\\u`` escapes. Control characters below U+0020 json.dumps already escapes."""
    text = _SURROGATE.sub(lambda m: "\\" + _escape(m.group()), text)
    return _JSON_SHOWN_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def for_xml(text: str) -> str:
    """An XML document made well-formed whatever its values held: the characters XML
    cannot hold (they only occur in values: markup is ASCII) become ``\\xNN`` text, CR too.
    Tab and newline stay: the document's own lines."""
    return _NOT_XML.sub(lambda m: _escape(m.group()), text)
