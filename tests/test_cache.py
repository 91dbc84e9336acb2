"""The result cache: a second run over unchanged files does no work, and a stale entry is
never used (the file, a setting, the version, or what a rule read changed)."""

from __future__ import annotations

import os

import pytest
from test_cli import BAD, GOOD

from slimfix import runner
from slimfix.cli.check import CheckOptions, run


@pytest.fixture
def counted(monkeypatch):
    """How many files were really processed."""
    calls: list[str] = []
    real = runner.process_file

    def process_file(job, settings):
        calls.append(job.name if isinstance(job, runner.Job) else job)
        return real(job, settings)

    monkeypatch.setattr(runner, "process_file", process_file)
    return calls


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(BAD)
    return tmp_path


def _check(capsys, **options):
    code = run(CheckOptions(paths=["."], jobs=1, **options))
    return code, capsys.readouterr()


def test_a_second_run_answers_from_the_cache(project, counted, capsys):
    first = _check(capsys)
    assert len(counted) == 2
    assert (project / ".slimfix_cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")
    assert (project / ".slimfix_cache" / ".gitignore").read_text().endswith("*\n")
    second = _check(capsys)
    assert len(counted) == 2 and second == first  # nothing processed again, the same report
    os.utime(project / "a" / "Dockerfile")  # touched, not changed: still the same bytes
    assert _check(capsys) == first and len(counted) == 2


def test_an_edited_file_is_processed_again(project, counted, capsys):
    _check(capsys)
    (project / "a" / "Dockerfile").write_text(GOOD)
    code, out = _check(capsys)
    assert counted[-1:] == ["a/Dockerfile"] and len(counted) == 3
    assert "a/Dockerfile" not in out.out and "b/Dockerfile" in out.out


def test_other_settings_or_another_version_use_other_entries(project, counted, capsys, monkeypatch):
    _check(capsys)
    _check(capsys, select=["SF103"])
    assert len(counted) == 4
    _check(capsys, unsafe_fixes=True)
    assert len(counted) == 6
    from slimfix import cache

    monkeypatch.setattr(cache, "__version__", "99.0")
    _check(capsys)
    assert len(counted) == 8


def test_a_result_that_read_the_build_context_is_never_kept(tmp_path, counted, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                                         "RUN pip install --no-cache-dir -r requirements.txt\n")
    assert "[*]" in _check(capsys)[1].out
    (tmp_path / "requirements.txt").write_text("-e .\n")  # now the install needs the source
    out = _check(capsys)[1].out
    assert "not fixed:" in out and len(counted) == 2


def test_no_cache_neither_reads_nor_writes(project, counted, capsys):
    _check(capsys, cache=False)
    _check(capsys, cache=False)
    assert len(counted) == 4 and not (project / ".slimfix_cache").exists()


def test_write_and_diff_skip_only_files_known_to_need_nothing(project, counted, capsys):
    (project / "a" / "Dockerfile").write_text(GOOD)
    _check(capsys)
    assert len(counted) == 2
    code, out = _check(capsys, write=True)
    assert counted[2:] == ["b/Dockerfile"]  # a was clean; b needed its fix
    assert (project / "b" / "Dockerfile").read_text() == GOOD


# -- results that read the build context: kept with what they read, used while it reads the same

PIP_DOCKERFILE = ("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                  "RUN pip install --no-cache-dir -r requirements.txt\n")


@pytest.fixture
def pip_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "Dockerfile").write_text(PIP_DOCKERFILE)
    return tmp_path


def test_a_result_that_read_the_build_context_is_kept_and_identical(pip_project, counted, capsys):
    first = _check(capsys)
    assert "[*]" in first[1].out
    assert _check(capsys) == first and len(counted) == 1  # answered from the cache
    assert _check(capsys, cache=False) == first  # and exactly what a fresh run says


def test_an_edited_manifest_is_read_again_even_at_the_same_size(pip_project, counted, capsys):
    _check(capsys)
    (pip_project / "requirements.txt").write_text("-e ./\n")  # same size, same instant: the hash decides
    out = _check(capsys)[1].out
    assert "not fixed:" in out and len(counted) == 2
    assert _check(capsys, cache=False)[1].out == out


def test_a_file_added_to_or_removed_from_a_listed_directory_is_seen(tmp_path, counted, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print(1)\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/src/app.py\"]\n")
    (tmp_path / ".dockerignore").write_text(".git\n")
    clean = _check(capsys)
    assert "SF401" not in clean[1].out
    (tmp_path / "src" / "__pycache__").mkdir()  # deep in the tree: SF401's walk listed src/
    added = _check(capsys)
    assert "SF401" in added[1].out and len(counted) == 2
    assert _check(capsys, cache=False) == added
    (tmp_path / "src" / "__pycache__").rmdir()
    assert _check(capsys) == clean and len(counted) == 4


def test_an_edited_dockerignore_is_read_again(tmp_path, counted, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "debug.log").write_text("x\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY . /app\n")
    (tmp_path / ".dockerignore").write_text(".git\n")
    before = _check(capsys)
    assert "SF401" in before[1].out
    (tmp_path / ".dockerignore").write_text(".git\n**/*.log\n")
    after = _check(capsys)
    assert "SF401" not in after[1].out and len(counted) == 2
    (tmp_path / ".dockerignore").unlink()
    assert "SF401" in _check(capsys)[1].out and len(counted) == 3


def test_a_context_result_under_other_settings_or_version_is_not_reused(pip_project, counted, capsys, monkeypatch):
    _check(capsys)
    _check(capsys, unsafe_fixes=True)
    assert len(counted) == 2
    from slimfix import cache

    monkeypatch.setattr(cache, "__version__", "99.0")
    _check(capsys)
    assert len(counted) == 3


def test_a_result_that_asked_git_is_never_kept(tmp_path, counted, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("API_TOKEN=x\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY . /app\n")
    first = _check(capsys)
    assert _check(capsys) == first and len(counted) == 2


def test_a_cache_a_repository_ships_cannot_run_code(project, counted, capsys, tmp_path):
    """The cache is in the project: a planted pickle is refused, not unpickled."""
    import pickle

    from slimfix.cache import load

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    _check(capsys)
    planted = [p for p in (project / ".slimfix_cache").rglob("*.pickle")]
    assert planted  # the results (the walk too, once the tree is old enough)
    for p in planted:
        p.write_bytes(pickle.dumps({"x": Boom()}))
    first = len(counted)
    _check(capsys)
    assert not (tmp_path / "pwned").exists() and len(counted) == first + 2  # refused, so processed
    import io

    with pytest.raises(pickle.UnpicklingError):
        load(io.BytesIO(pickle.dumps({"x": Boom()})))


def test_what_slimfix_keeps_loads_back():
    import io
    import pickle
    from pathlib import Path

    from slimfix.cache import load
    from slimfix.fixes import Applicability, FileChange
    from slimfix.results import FileResult, Job

    kept = ({"a": FileResult("a", file_changes=[FileChange(Path("/x/.dockerignore"), None, "y\n",
                                                            Applicability.UNSAFE)])}, [Job("a", "/x")])
    assert load(io.BytesIO(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))) == kept


# -- the cache is input, not truth (issue 22) ----------------------------------------------

def _outside_is_untouched(outside) -> bool:
    return not any(outside.iterdir())


@pytest.mark.parametrize("shape", ["the folder", "the tag", "the .gitignore", "the version folder",
                                   "the results file"])
def test_links_in_the_cache_folder_are_never_followed(tmp_path, monkeypatch, capsys, shape):
    from slimfix import __version__

    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "Dockerfile").write_text(BAD)
    monkeypatch.chdir(project)
    cache = project / ".slimfix_cache"
    if shape == "the folder":
        os.symlink(outside, cache)
    else:
        cache.mkdir()
        if shape == "the tag":  # dangling: the old code created it through the link
            os.symlink(outside / "victim", cache / "CACHEDIR.TAG")
        elif shape == "the .gitignore":
            os.symlink(outside / "victim", cache / ".gitignore")
        else:
            (cache / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
            (cache / ".gitignore").write_text("*\n")
            if shape == "the version folder":
                os.symlink(outside, cache / __version__)
            else:
                (cache / __version__).mkdir()
                from slimfix.cache import settings_key
                from slimfix.cli.check import plan_run

                key = settings_key(plan_run(CheckOptions(paths=["."], jobs=1)).key())
                os.symlink(outside / "victim", cache / __version__ / f"{key}.pickle")
    fresh = _check(capsys, cache=False)
    assert _check(capsys) == fresh and _check(capsys) == fresh
    assert _outside_is_untouched(outside)


@pytest.mark.parametrize("link", ["/dev/stdout", "fifo"])
def test_a_cache_file_linked_to_a_device_or_fifo_is_neither_written_nor_waited_on(tmp_path, link):
    import json
    import subprocess
    import sys

    from slimfix import __version__

    (tmp_path / "Dockerfile").write_text(BAD)
    cache = tmp_path / ".slimfix_cache"
    cache.mkdir()
    if link == "fifo":
        (cache / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
        (cache / ".gitignore").write_text("*\n")
        (cache / __version__).mkdir()
        for name in ("a", "b"):  # whatever the name of the file, every name a FIFO
            os.mkfifo(cache / __version__ / name)
        from slimfix.cache import settings_key
        from slimfix.cli.check import plan_run

        here = os.getcwd()
        os.chdir(tmp_path)
        try:
            key = settings_key(plan_run(CheckOptions(paths=["."], jobs=1, output_format="json")).key())
        finally:
            os.chdir(here)
        os.mkfifo(cache / __version__ / f"{key}.pickle")
    else:  # the tag is missing: the old code wrote it, then the .gitignore through the link
        os.symlink(link, cache / ".gitignore")
    # A safety net only: the run takes a second; before the fix it waited forever.
    proc = subprocess.run([sys.executable, "-m", "slimfix", "--output-format", "json", "."], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert proc.returncode == 1
    assert [f["code"] for f in json.loads(proc.stdout)] == ["SF102"]


def test_a_cache_folder_slimfix_did_not_make_is_not_used(project, counted, capsys):
    (project / ".slimfix_cache").mkdir()  # no .gitignore, no tag: not slimfix's
    _check(capsys)
    _check(capsys)
    assert len(counted) == 4 and os.listdir(project / ".slimfix_cache") == []


def _results_file(project):
    found = [p for p in (project / ".slimfix_cache").rglob("*.pickle") if not p.name.startswith("walk-")]
    assert len(found) == 1
    return found[0]


SAME_SIZE_BAD = BAD.replace("FROM debian:bookworm-slim\n", "FROM debian:bookworm-slim\n" + "#" * (len(GOOD) - len(BAD) - 1) + "\n")


def test_a_forged_entry_is_not_trusted(tmp_path, monkeypatch, capsys):
    """The entry's size and hash can be computed from the repository: an entry claiming a
    file is clean, written by anyone but this user's slimfix, is a miss."""
    import hashlib

    monkeypatch.chdir(tmp_path)
    assert len(SAME_SIZE_BAD) == len(GOOD)
    (tmp_path / "Dockerfile").write_text(GOOD)
    assert _check(capsys)[0] == 0
    results = _results_file(tmp_path)
    good, bad = (hashlib.sha256(t.encode()).hexdigest().encode() for t in (GOOD, SAME_SIZE_BAD))
    data = results.read_bytes()
    assert good in data
    results.write_bytes(data.replace(good, bad))
    (tmp_path / "Dockerfile").write_text(SAME_SIZE_BAD)
    assert _check(capsys, check=True)[0] == 1 == _check(capsys, check=True, cache=False)[0]


def test_a_cache_that_arrives_with_the_repository_is_not_used(project, counted, capsys, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("their-home")))
    _check(capsys)  # made on another machine, or by another user, and committed
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("my-home")))
    _check(capsys)
    assert len(counted) == 4
    _check(capsys)
    assert len(counted) == 6 - 2  # ... while this user's own cache serves this user


def _entries(options: CheckOptions):
    """The result cache of a run with ``options``, as the run opens it."""
    from slimfix.cli.check import _open_cache, plan_run

    return _open_cache(plan_run(options))


def test_a_cache_hit_never_applies_a_change(tmp_path, monkeypatch, capsys):
    """Not even an entry this user's slimfix sealed: a hit only skips work."""
    from pathlib import Path

    from slimfix.fixes import FileChange

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    (tmp_path / "Dockerfile").write_text(GOOD)
    _check(capsys)
    cache = _entries(CheckOptions(paths=["."], jobs=1))
    for entry in cache.entries.values():
        entry.result.written = True
        entry.result.file_changes = [FileChange(Path(tmp_path / ".git" / "config"), "[core]\n",
                                                "[core]\n\tfsmonitor = touch pwned\n")]
    cache.dirty = True
    cache.save()
    _check(capsys, write=True)
    assert (tmp_path / ".git" / "config").read_text() == "[core]\n"


def test_a_file_edited_while_it_is_processed_is_not_kept_as_it_was(project, capsys, monkeypatch):
    """The entry is of the bytes processed: an edit that lands before the result does is
    not taken for them."""
    real = runner.process_file

    def edited_meanwhile(job, settings):
        result = real(job, settings)
        (project / "a" / "Dockerfile").write_text(GOOD)
        return result

    monkeypatch.setattr(runner, "process_file", edited_meanwhile)
    _check(capsys)
    monkeypatch.setattr(runner, "process_file", real)
    assert _check(capsys) == _check(capsys, cache=False)
    assert "a/Dockerfile" not in _check(capsys)[1].out


def _same_size_and_mtime(path, text: str) -> None:
    """``text`` written over ``path`` as cp -p, tar or rsync leave it: the same size and
    modification time (not the same ctime or inode)."""
    st = os.stat(path)
    assert len(text.encode()) == st.st_size
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text)
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, path)


def test_the_same_size_and_mtime_are_not_taken_for_the_same_bytes(tmp_path, monkeypatch, capsys, counted):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(GOOD)
    past = 1_600_000_000_000_000_000
    os.utime(tmp_path / "Dockerfile", ns=(past, past))  # old enough to be trusted
    assert _check(capsys)[0] == 0
    _same_size_and_mtime(tmp_path / "Dockerfile", SAME_SIZE_BAD)
    assert _check(capsys) == _check(capsys, cache=False) and len(counted) == 3
    assert _check(capsys)[0] == 1


def test_a_manifest_copied_over_with_the_same_size_and_mtime_is_read_again(pip_project, counted, capsys):
    past = 1_600_000_000_000_000_000
    os.utime(pip_project / "requirements.txt", ns=(past, past))
    first = _check(capsys)
    assert "[*]" in first[1].out
    _same_size_and_mtime(pip_project / "requirements.txt", "-e ./\n")
    out = _check(capsys)[1].out
    assert "not fixed:" in out and out == _check(capsys, cache=False)[1].out


def test_a_damaged_cache_file_is_a_miss(project, capsys):
    first = _check(capsys)
    results = _results_file(project)
    data = results.read_bytes()
    assert b"apt-get update without" in data
    results.write_bytes(data.replace(b"apt-get update without", b"apt-get update w1thout"))  # bit flips
    assert _check(capsys) == first
    results.write_bytes(results.read_bytes()[: len(data) // 2])  # cut short
    assert _check(capsys) == first


@pytest.mark.parametrize("field, value", [("lines", 42), ("fixable_codes", None), ("fixable_left", "1")])
def test_a_cache_entry_of_the_wrong_types_is_a_miss(project, capsys, field, value):
    first = _check(capsys)
    cache = _entries(CheckOptions(paths=["."], jobs=1))
    for entry in cache.entries.values():
        setattr(entry.result, field, value)
    cache.dirty = True
    cache.save()
    code, out = _check(capsys)
    assert "internal error" not in out.err and (code, out) == first


def _limited_run(cwd, max_file_bytes: int):
    """slimfix --check in a process that cannot write a file past ``max_file_bytes``, as
    on a full disk (writes past it fail with EFBIG)."""
    import resource
    import signal
    import subprocess
    import sys

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    return subprocess.run([sys.executable, "-m", "slimfix", "--check", "."], cwd=cwd, capture_output=True,
                          preexec_fn=limit)


@pytest.mark.parametrize("max_file_bytes", [60, 400])
def test_a_full_disk_leaves_no_partial_file_and_never_a_cache_folder_without_its_gitignore(
        project, max_file_bytes, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    _limited_run(elsewhere, 1 << 20)  # this user's cache secret (if any) is made beforehand
    proc = _limited_run(project, max_file_bytes)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    left = [p.name for p in project.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name]
    assert left == []
    cache = project / ".slimfix_cache"
    if cache.exists():
        assert (cache / ".gitignore").read_text().endswith("*\n")


def test_a_parse_error_is_kept_and_reported_the_same_from_the_cache(project, counted, capsys):
    """The bytes alone decide a parse error: a warm run reports it without parsing (and
    without importing the parser and the rules), with the same message and exit status."""
    (project / "a" / "Dockerfile").write_text("FROM debian\nRUN <<EOF\necho\n")  # unterminated
    first = _check(capsys)
    assert first[0] == 2 and "a/Dockerfile:2:1: parse error: unterminated heredoc" in first[1].err
    assert len(counted) == 2
    assert _check(capsys) == first and len(counted) == 2
    (project / "a" / "Dockerfile").write_text(GOOD)  # fixed: processed again
    assert _check(capsys)[0] != 2 and counted[-1:] == ["a/Dockerfile"]
