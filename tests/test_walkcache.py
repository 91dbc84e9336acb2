"""The walk cache: a second run over an unchanged tree does not walk it again, and any
change the walk or a job depended on is seen (a file or folder added, removed or renamed;
an edited .gitignore, settings, compose or bake file; the run's options)."""

from __future__ import annotations

import os
import time

import pytest
from test_cli import BAD

from slimfix.cli import check
from slimfix.cli.check import CheckOptions, run


@pytest.fixture
def walks(monkeypatch):
    """How many times the tree was really walked; ``jobs`` holds each run's jobs."""
    calls: list[int] = []
    real, real_jobs = check.iter_discover, check.Processing._jobs

    def iter_discover(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    def _jobs(self):
        JOBS.append([])
        for job in real_jobs(self):
            JOBS[-1].append(job)
            yield job

    JOBS.clear()
    monkeypatch.setattr(check, "iter_discover", iter_discover)
    monkeypatch.setattr(check.Processing, "_jobs", _jobs)
    return calls


JOBS: list[list] = []


def _age(root) -> None:
    """Everything in the tree an hour old: older than the racy window, as a tree is
    between two runs."""
    past = time.time() - 3600
    for d, dirs, files in os.walk(root):
        for name in files + dirs:
            os.utime(os.path.join(d, name), (past, past), follow_symlinks=False)
    os.utime(root, (past, past))


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    for name in ("a", "b", "b/c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(BAD)
    _age(tmp_path)
    return tmp_path


def _checked(capsys, **options) -> list[str]:
    """The Dockerfiles the report names."""
    run(CheckOptions(paths=["."], jobs=1, **options))
    out = capsys.readouterr().out
    return sorted({line.split(":")[0] for line in out.splitlines() if ":" in line and "Dockerfile" in line})


def _memoized(tree, capsys, walks) -> list[str]:
    first = _checked(capsys)
    assert len(walks) == 1
    assert _checked(capsys) == first and len(walks) == 1  # answered without a walk
    return first


def test_a_second_run_does_not_walk_the_tree(tree, capsys, walks):
    assert _memoized(tree, capsys, walks) == ["a/Dockerfile", "b/Dockerfile", "b/c/Dockerfile"]
    assert len(list((tree / ".slimfix_cache").glob("*/walk-*.pickle"))) == 1


@pytest.mark.parametrize("change", [
    "add a Dockerfile", "remove a Dockerfile", "rename a folder", "add a .gitignore",
    "edit a .gitignore", "edit .git/info/exclude", "add a settings file that excludes",
    "edit a settings file", "add a compose file", "edit a compose file", "add a Dockerfile deep down",
])
def test_a_change_is_seen(tree, capsys, walks, change):
    (tree / ".gitignore").write_text("# nothing\n")
    (tree / ".git" / "info").mkdir()
    (tree / ".git" / "info" / "exclude").write_text("#\n")
    (tree / "slimfix.toml").write_text("select = ['SF1']\n")
    (tree / "b" / "compose.yaml").write_text("services:\n  x:\n    build: .\n")
    _age(tree)
    before = _memoized(tree, capsys, walks)
    expected = set(before)
    if change == "add a Dockerfile":
        (tree / "a" / "Dockerfile.dev").write_text(BAD)
        expected.add("a/Dockerfile.dev")
    elif change == "remove a Dockerfile":
        (tree / "b" / "c" / "Dockerfile").unlink()
        expected.discard("b/c/Dockerfile")
    elif change == "rename a folder":
        (tree / "a").rename(tree / "z")
        expected = (expected - {"a/Dockerfile"}) | {"z/Dockerfile"}
    elif change == "add a .gitignore":
        (tree / "b" / ".gitignore").write_text("c/\n")
        expected.discard("b/c/Dockerfile")
    elif change == "edit a .gitignore":
        (tree / ".gitignore").write_text("/a/\n")  # the same folder, so only the file says it
        expected.discard("a/Dockerfile")
    elif change == "edit .git/info/exclude":
        (tree / ".git" / "info" / "exclude").write_text("b/c\n")
        expected.discard("b/c/Dockerfile")
    elif change == "add a settings file that excludes":
        (tree / "b" / "slimfix.toml").write_text("exclude = ['c']\nselect = ['SF1']\n")
        expected.discard("b/c/Dockerfile")
    elif change == "edit a settings file":
        (tree / "slimfix.toml").write_text("exclude = ['a']\nselect = ['SF1']\n")
        expected.discard("a/Dockerfile")
    elif change == "add a compose file":
        (tree / "b" / "c" / "requirements.txt").write_text("flask\n")
        (tree / "compose.yaml").write_text("services:\n  y:\n    build:\n      context: b\n"
                                          "      dockerfile: c/Dockerfile\n")
    elif change == "edit a compose file":
        (tree / "b" / "compose.yaml").write_text("services:\n  x:\n    build:\n      context: ..\n"
                                                "      dockerfile: b/Dockerfile\n")
    elif change == "add a Dockerfile deep down":
        (tree / "b" / "c" / "d").mkdir()
        (tree / "b" / "c" / "d" / "Dockerfile").write_text(BAD)
        expected.add("b/c/d/Dockerfile")
    after = _checked(capsys)
    assert len(walks) == 2, "the change was not seen: the tree was not walked again"
    assert set(after) == expected
    fresh = JOBS[-1]
    _age(tree)
    assert _checked(capsys) == after and len(walks) == 3  # walked, then kept again
    assert _checked(capsys) == after and len(walks) == 3
    assert JOBS[-1] == fresh  # the kept jobs: the same files, contexts, settings and rules
    if "compose" in change:
        assert any(job.context == str(tree if change == "edit a compose file" else tree / "b") and
                   job.name.endswith(("b/Dockerfile", "c/Dockerfile")) for job in fresh)


def test_other_options_are_walked_anew(tree, capsys, walks):
    _memoized(tree, capsys, walks)
    assert _checked(capsys, exclude=["a"]) == ["b/Dockerfile", "b/c/Dockerfile"]
    assert len(walks) == 2


def test_a_tree_that_changed_during_the_walk_is_not_kept(tree, capsys, walks):
    (tree / "a" / "Dockerfile.new").write_text(BAD)  # now: within the racy window
    _checked(capsys)
    _checked(capsys)
    assert len(walks) == 2
    assert not list((tree / ".slimfix_cache").glob("*/walk-*.pickle"))


def test_a_walk_with_a_problem_is_not_kept_and_says_it_again(tree, capsys, walks):
    (tree / "b" / "compose.yaml").write_text("services: [\n")
    _age(tree)
    run(CheckOptions(paths=["."], jobs=1))
    first = capsys.readouterr().err
    run(CheckOptions(paths=["."], jobs=1))
    assert "not valid YAML" in first and capsys.readouterr().err == first
    assert len(walks) == 2


def test_no_cache_neither_reads_nor_keeps_the_walk(tree, capsys, walks):
    _checked(capsys, cache=False)
    _checked(capsys, cache=False)
    assert len(walks) == 2 and not (tree / ".slimfix_cache").exists()


def test_folders_above_the_paths_named_count_by_their_deciding_names(tree):
    from slimfix.cache import Store
    from slimfix.runner import Job
    from slimfix.walkcache import WalkCache

    store = Store.for_root(tree / "b")

    def kept():
        _age(tree)
        walk = WalkCache(store, "k")
        walk.begin(["c/Dockerfile"])
        walk.save([Job("c/Dockerfile", "c")])
        return walk.load() is not None

    os.chdir(tree / "b")
    assert kept()
    (tree / "notes.txt").write_text("")  # above the walk: a name that decides nothing
    walk = WalkCache(store, "k")
    assert walk.load() == [Job("c/Dockerfile", "c")]
    (tree / "compose.yaml").write_text("services: {}\n")
    assert walk.load() is None
    assert kept()
    (tree / "compose.yaml").write_text("services: {x: {build: b}}\n")  # edited: its size and mtime
    assert walk.load() is None
    assert kept()
    (tree / "b" / "c" / "Dockerfile.dev").write_text(BAD)  # beside the file named: not named
    assert walk.load() == [Job("c/Dockerfile", "c")]
    (tree / "b" / "c" / "slimfix.toml").write_text("")  # its settings
    assert walk.load() is None


def test_a_hadolint_ignore_that_changes_only_a_nested_settings_files_rules_is_seen(tree, capsys, walks):
    (tree / "slimfix.toml").write_text("select = ['SF5']\n")
    (tree / "b" / "slimfix.toml").write_text("select = ['SF1']\n")
    (tree / ".hadolint.yaml").write_text("ignored: []\n")
    _age(tree)
    assert "b/Dockerfile" in _memoized(tree, capsys, walks)
    (tree / ".hadolint.yaml").write_text("ignored: [DL3009]\n")  # SF102, which only b selects
    assert "b/Dockerfile" not in _checked(capsys)
    assert len(walks) == 2


def test_the_settings_file_named_by_config_is_watched_whatever_its_name(tree, capsys, walks):
    (tree / "my.toml").write_text("select = ['SF1']\n")
    _age(tree)
    run(CheckOptions(paths=["."], jobs=1, config=tree / "my.toml"))
    run(CheckOptions(paths=["."], jobs=1, config=tree / "my.toml"))
    assert len(walks) == 1
    capsys.readouterr()
    (tree / "my.toml").write_text("select = ['SF1']\nper-file-ignores = { 'a/*' = ['SF102'] }\n")
    _age(tree)
    run(CheckOptions(paths=["."], jobs=1, config=tree / "my.toml"))
    assert len(walks) == 2 and "a/Dockerfile" not in capsys.readouterr().out


@pytest.mark.parametrize("shape", ["a Dockerfile that is a link", "a compose context through a link",
                                   "a context outside the folders walked"])
def test_what_the_walk_cannot_watch_is_not_kept(tree, capsys, walks, shape):
    (tree / "node_modules" / "ctx").mkdir(parents=True)
    if shape == "a Dockerfile that is a link":
        (tree / "node_modules" / "ctx" / "Dockerfile.x").write_text(BAD)
        os.symlink("../node_modules/ctx/Dockerfile.x", tree / "a" / "Dockerfile.link")
    elif shape == "a compose context through a link":
        os.symlink("../b", tree / "node_modules" / "x")
        (tree / "compose.yaml").write_text("services:\n  w:\n    build:\n      context: node_modules/x\n"
                                          "      dockerfile: ../a/Dockerfile\n")
    else:
        (tree / "a" / "slimfix.toml").write_text("contexts = { 'Dockerfile' = '../node_modules/ctx' }\n")
    _age(tree)
    _checked(capsys)
    _checked(capsys)
    assert len(walks) == 2
    assert not list((tree / ".slimfix_cache").glob("*/walk-*.pickle"))


def test_a_cache_of_the_wrong_shape_is_not_used(tree, capsys, walks):
    import pickle

    first = _memoized(tree, capsys, walks)
    for p in (tree / ".slimfix_cache").rglob("*.pickle"):
        p.write_bytes(pickle.dumps(({}, ["Dockerfile", 42]) if p.name.startswith("walk-")
                                   else {str(tree / "a" / "Dockerfile"): 42}))
    assert _checked(capsys) == first and len(walks) == 2


def test_a_file_that_became_a_folder_in_the_project_root_is_seen(tree, capsys, walks):
    """The root holds the cache: its entries are compared, with their types, not only their
    names (a branch switch turns a file into a folder of the same name)."""
    (tree / "svc").write_text("a file\n")
    _age(tree)
    before = _memoized(tree, capsys, walks)
    (tree / "svc").unlink()
    (tree / "svc").mkdir()
    (tree / "svc" / "Dockerfile").write_text(BAD)  # only the root's entries changed
    assert _checked(capsys) == sorted(before + ["svc/Dockerfile"]) and len(walks) == 2


def test_a_settings_file_copied_over_with_the_same_size_and_mtime_is_seen(tree, capsys, walks):
    """cp -p, tar and rsync keep the size and mtime: the ctime and inode tell."""
    (tree / "slimfix.toml").write_text("exclude = ['/a']\n")
    _age(tree)
    assert _memoized(tree, capsys, walks) == ["b/Dockerfile", "b/c/Dockerfile"]
    st = os.stat(tree / "slimfix.toml")
    (tree / "new.toml").write_text("exclude = ['/b']\n")
    os.utime(tree / "new.toml", ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tree / "new.toml", tree / "slimfix.toml")
    os.utime(tree, ns=(os.stat(tree).st_atime_ns, os.stat(tree).st_mtime_ns))
    assert _checked(capsys) == ["a/Dockerfile"] and len(walks) == 2


@pytest.mark.parametrize("damage", ["a bit flipped", "cut short"])
def test_a_damaged_walk_cache_is_a_miss(tree, capsys, walks, damage):
    first = _memoized(tree, capsys, walks)
    (walk,) = (tree / ".slimfix_cache").glob("*/walk-*.pickle")
    data = walk.read_bytes()
    if damage == "a bit flipped":
        assert b"b/c/Dockerfile" in data
        walk.write_bytes(data.replace(b"b/c/Dockerfile", b"b/c/Dockerfilf"))
    else:
        walk.write_bytes(data[: len(data) // 2])
    run(CheckOptions(paths=["."], jobs=1))
    out = capsys.readouterr()
    assert "Dockerfilf" not in out.err and "internal error" not in out.err
    assert _checked(capsys) == first and len(walks) >= 2
