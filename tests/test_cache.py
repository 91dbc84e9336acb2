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
