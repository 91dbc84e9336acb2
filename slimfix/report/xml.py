"""``--output-format junit`` and ``checkstyle``: the XML reports CI systems and code
review tools read (hadolint and ruff write both). One element per file, streamed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from ..printable import for_line, for_xml
from .base import Emitter, error_record, fails

if TYPE_CHECKING:
    from ..results import FileResult


def _attr(value: str) -> str:
    """A quoted attribute value that reads as the text reports read (CR as ``\\x0d``, not
    as a character reference a reader would turn back into a raw CR)."""
    return quoteattr(for_line(value))


def _text(rec: dict[str, Any]) -> str:
    return rec["message"] + (f" ({rec['note']})" if rec["note"] else "")


class JunitEmitter(Emitter):
    """A test suite per Dockerfile, a failing test case per finding (a passing one for a
    file with none), an error case for a file that could not be read. Advice, which never
    fails a run, is a passing case with the advice as its output."""

    name = "junit"
    escape = staticmethod(for_xml)

    def begin(self) -> None:
        self.out('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="slimfix">\n')

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        records = result.records
        failures = sum(1 for rec in records if fails(rec))
        name = _attr(result.name)
        self.out(f"  <testsuite name={name} tests=\"{max(len(records) + bool(err), 1)}\" "
                 f"failures=\"{failures}\" errors=\"{int(bool(err))}\">\n")
        if err:
            self.out(f"    <testcase name=\"slimfix.error\" classname={name} line=\"{err['line']}\">\n"
                     f"      <error message={_attr(err['message'])}/>\n    </testcase>\n")
        for rec in records:
            where = f"line {rec['line']}, col {rec['column']}"
            body = _escape(where + ": " + _text(rec))
            outcome = (f"<failure message={_attr(_text(rec))}>{body}</failure>" if fails(rec)
                       else f"<system-out>{body}</system-out>")
            self.out(f"    <testcase name={_attr('slimfix.' + rec['code'])} classname={name} "
                     f"line=\"{rec['line']}\" column=\"{rec['column']}\">\n"
                     f"      {outcome}\n    </testcase>\n")
        if not records and not err:
            self.out(f"    <testcase name=\"slimfix\" classname={name}/>\n")
        self.out("  </testsuite>\n")

    def end(self) -> None:
        self.out("</testsuites>\n")


class CheckstyleEmitter(Emitter):
    name = "checkstyle"
    escape = staticmethod(for_xml)

    def begin(self) -> None:
        self.out('<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n')

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        recs = ([err] if err else []) + result.records
        if not recs:
            return
        self.out(f"  <file name={_attr(result.name)}>\n")
        for rec in recs:
            # info: what checkstyle's consumers do not count as a violation, as advice never fails a run.
            severity = "error" if rec["kind"] == "error" else "warning" if fails(rec) else "info"
            source = f"slimfix.{rec['code']}" if rec["code"] else "slimfix.error"
            self.out(f"    <error line=\"{rec['line']}\" column=\"{rec['column']}\" severity=\"{severity}\" "
                     f"message={_attr(_text(rec))} source={_attr(source)}/>\n")
        self.out("  </file>\n")

    def end(self) -> None:
        self.out("</checkstyle>\n")


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(for_line(text))
