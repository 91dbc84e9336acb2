"""buildcontext.reads: every kind of read is fingerprinted, and any change is seen."""

from __future__ import annotations

import os

from slimfix.buildcontext import BuildContext
from slimfix.buildcontext.reads import Reads, unchanged


def _context(tmp_path) -> BuildContext:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a" ).mkdir()
    (tmp_path / "pkg" / "a" / "package.json").write_text("{}\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    return BuildContext(tmp_path)


def test_reads_record_files_kinds_listings_and_the_ignore_file(tmp_path):
    build = _context(tmp_path)
    assert build.read("requirements.txt") == "flask\n"
    assert build.included("requirements.txt") and not build.exists_dir("nope")
    assert [p.name for p in build.glob("pkg", "*")] == ["a"]
    kinds = {what for what, _ in build.reads.deps}
    assert kinds == {"file", "kind", "list"}
    assert ("file", str(tmp_path / ".dockerignore")) in build.reads.deps  # absent, and that counts
    assert unchanged(build.reads.deps)


def _changed_after(tmp_path, change) -> bool:
    build = _context(tmp_path)
    build.read("requirements.txt")
    build.exists_dir("nope")
    build.glob("pkg", "*")
    build.included("requirements.txt")
    deps = dict(build.reads.deps)
    change(tmp_path)
    return not unchanged(deps)


def test_each_change_is_seen(tmp_path_factory):
    changes = {
        "manifest edited, same size": lambda t: (t / "requirements.txt").write_text("django\n"[:6]),
        "manifest removed": lambda t: (t / "requirements.txt").unlink(),
        "a directory appears": lambda t: (t / "nope").mkdir(),
        "a file added to a listed directory": lambda t: (t / "pkg" / "b").write_text(""),
        "an entry removed from a listed directory": lambda t: os.rename(t / "pkg" / "a", t / "a"),
        ".dockerignore created": lambda t: (t / ".dockerignore").write_text("*.txt\n"),
    }
    for name, change in changes.items():
        assert _changed_after(tmp_path_factory.mktemp("ctx"), change), name


def test_a_touched_file_is_still_the_same(tmp_path):
    build = _context(tmp_path)
    build.read("requirements.txt")
    os.utime(tmp_path / "requirements.txt", ns=(1, 1))
    assert unchanged(build.reads.deps)


def test_merge_keeps_the_first_reading_and_opacity():
    a, b = Reads(), Reads()
    a.deps[("kind", "/x")] = None
    b.deps[("kind", "/x")] = 1
    b.opaque = "git"
    a.merge(b)
    assert a.deps[("kind", "/x")] is None and a.opaque == "git"
