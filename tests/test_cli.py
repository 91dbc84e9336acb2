"""The command line as users run it: exit codes, output, stdin, writes, errors."""

from __future__ import annotations

import os
import stat
import json
import subprocess
import sys
from pathlib import Path

import pytest

from slimfix.fileio import FileProblem, read_source, write_atomic

# BAD has exactly one finding (SF102); GOOD has none.
BAD = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
GOOD = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl"
        " && rm -rf /var/lib/apt/lists/*\n")


def slimfix(*args, cwd=None, stdin: bytes | None = None, env_extra: dict[str, str | None] | None = None):
    """Run slimfix; ``env_extra`` sets variables (None: unsets them). Colour is off unless
    a test turns it on."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("FORCE_COLOR", None)
    for key, value in (env_extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    proc = subprocess.run([sys.executable, "-m", "slimfix", *map(str, args)], cwd=cwd, input=stdin,
                          capture_output=True, env=env)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "Dockerfile").write_text(GOOD)
    return tmp_path


def test_report_mode_lists_findings_and_exits_1(project):
    code, out, err = slimfix(project / "Dockerfile")
    assert code == 1
    assert f"{project / 'Dockerfile'}:2:5: SF102 " in out and out.rstrip().endswith("[*]")
    assert "found 1 finding in 1 file; 1 fixable with --write" in err


def test_nothing_to_change_exits_0(project):
    code, out, err = slimfix(project / "clean")
    assert (code, out) == (0, "")
    assert "found 0 findings in 1 file" in err


def test_diff_prints_a_unified_diff_and_exits_1(project):
    code, out, _ = slimfix("--diff", "Dockerfile", cwd=project)
    assert code == 1
    assert out.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n@@ ")
    assert "+" + GOOD.splitlines()[1] + "\n" in out
    assert (project / "Dockerfile").read_text() == BAD  # --diff writes nothing


def test_check_exits_1_and_changes_nothing(project):
    assert slimfix("--check", project)[0] == 1
    assert (project / "Dockerfile").read_text() == BAD
    assert slimfix("--check", project / "clean")[0] == 0


def test_write_fixes_in_place_then_nothing_is_left(project):
    code, _, err = slimfix("--write", project)
    assert code == 0  # every finding was fixed, as ruff --fix
    assert "fixed" in err and "found 1 finding in 1 of 2 files (fixed 1, 0 remaining); 1 of 2 files changed" in err
    assert slimfix("--write", "--exit-non-zero-on-fix", project)[0] == 0  # nothing left to change
    (project / "Dockerfile").write_text(BAD)
    assert slimfix("--write", "--exit-non-zero-on-fix", project)[0] == 1
    assert (project / "Dockerfile").read_text() == GOOD
    assert slimfix("--check", project)[0] == 0


def test_write_keeps_crlf_bom_and_mode(tmp_path):
    f = tmp_path / "Dockerfile"
    f.write_bytes(b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode())
    f.chmod(0o640)
    assert slimfix("--write", f)[0] == 0
    assert f.read_bytes() == b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temporary left behind


def test_write_follows_symlinks_to_the_real_file(tmp_path):
    real = tmp_path / "real.Dockerfile"
    real.write_text(BAD)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real)
    slimfix("--write", link)
    assert link.is_symlink() and real.read_text() == GOOD


def test_stdin_report_diff_and_write(project):
    code, out, _ = slimfix("-", stdin=BAD.encode())
    assert code == 1 and out.startswith("-:2:5: SF102")
    code, out, _ = slimfix("--diff", "--stdin-filename", "app/Dockerfile", "-", stdin=BAD.encode())
    assert code == 1 and "+++ b/app/Dockerfile" in out
    code, out, err = slimfix("--write", "-", stdin=BAD.encode())
    assert code == 0 and out == GOOD  # as the same file by path: every finding was fixed
    assert "SF102" not in err and "(fixed 1, 0 remaining)" in err
    code, out, _ = slimfix("--write", "-", stdin=GOOD.encode())
    assert code == 0 and out == GOOD


@pytest.mark.parametrize("content, message", [
    (b"FROM a\x00\n", "binary file"),
    (b"FROM debian\nLABEL x=\xff\n", "line 2: not valid UTF-8"),
    (b"FROM debian\nRUN <<EOF\necho\n", ":2:1: parse error: unterminated heredoc"),
])
def test_bad_files_are_reported_left_alone_and_others_still_processed(tmp_path, content, message):
    bad = tmp_path / "a" / "Dockerfile"
    bad.parent.mkdir()
    bad.write_bytes(content)
    other = tmp_path / "b" / "Dockerfile"
    other.parent.mkdir()
    other.write_text(BAD)
    code, _, err = slimfix("--write", tmp_path)
    assert code == 2
    assert f"{bad}" in err and message in err
    assert bad.read_bytes() == content
    assert other.read_text() == GOOD


def test_unreadable_and_missing_paths(tmp_path):
    code, _, err = slimfix(tmp_path / "nope")
    assert code == 2 and "no such file or directory" in err
    d = tmp_path / "Dockerfile"
    d.mkdir()
    code, _, err = slimfix(d / "..", d)  # a directory named Dockerfile is searched, not read
    assert code == 0


def test_usage_errors_exit_2(project):
    assert slimfix("--write", "--check", project)[0] == 2
    code, _, err = slimfix("--select", "SF999", project)
    assert code == 2 and "unknown rule" in err
    assert slimfix("--no-such-option")[0] == 2


def test_select_and_ignore(project):
    assert slimfix("--ignore", "SF102", project / "Dockerfile")[0] == 0
    assert slimfix("--select", "SF1", project / "Dockerfile")[0] == 1


def test_discovery_honours_gitignore_and_finds_hidden_and_variant_names(tmp_path):
    files = ["Dockerfile", "Containerfile", "api.Dockerfile", "web.dockerfile", "Dockerfile.dev",
             ".devcontainer/Dockerfile", "ignored/Dockerfile", "node_modules/x/Dockerfile",
             ".git/Dockerfile", "sub/.dockerignore", "sub/build.log", "excluded/Dockerfile"]
    for name in files:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(BAD)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text(BAD)
    (tmp_path / "link").symlink_to(outside, target_is_directory=True)
    code, out, _ = slimfix("--exclude", "excluded", ".", cwd=tmp_path)
    found = sorted({line.split(":")[0] for line in out.splitlines()})
    assert found == sorted([".devcontainer/Dockerfile", "Containerfile", "Dockerfile", "Dockerfile.dev",
                            "api.Dockerfile", "web.dockerfile"])
    # a file named explicitly is always processed
    code, out, _ = slimfix("ignored/Dockerfile", cwd=tmp_path)
    assert out.startswith("ignored/Dockerfile:2:5:")


def test_output_order_is_deterministic(tmp_path):
    for name in ["b", "a", "c/d"]:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "Dockerfile").write_text(BAD)
    _, out, _ = slimfix(".", cwd=tmp_path)
    assert [line.split(":")[0] for line in out.splitlines()] == ["a/Dockerfile", "b/Dockerfile", "c/d/Dockerfile"]


def test_rules_explain_version_help():
    code, out, _ = slimfix("rules")
    assert code == 0 and "SF102" in out and "apt-lists-cleanup" in out and "DL3009" in out
    code, out, _ = slimfix("explain", "SF102")
    assert code == 0 and "## Fix safety" in out
    assert slimfix("explain", "apt-lists-cleanup")[0] == 0
    assert slimfix("explain", "SF999")[0] == 2
    code, out, _ = slimfix("--version")
    assert code == 0 and out.startswith("slimfix ")
    code, out, _ = slimfix("--help")
    assert code == 0 and "Usage: slimfix [check] [OPTIONS] [PATH]..." in out and "Examples:" in out
    # the subcommands are listed in the main help, each with its own help in the same style
    assert all(f"\n  {name} " in out for name in ("check", "rules", "explain", "verify", "server"))
    for name in ("rules", "explain", "verify", "server"):
        code, sub, _ = slimfix(name, "--help")
        assert code == 0 and sub.startswith(f"Usage: slimfix {name}"), (name, sub)


def test_explain_takes_a_hadolint_code_and_rules_has_json():
    code, out, _ = slimfix("explain", "DL3009")
    assert code == 0 and out.startswith("hadolint's DL3009 is covered by SF101 (merge-apt-runs) and SF102")
    assert "# SF102 apt-lists-cleanup" in out and "## Effect on the image" in out
    code, out, _ = slimfix("rules", "--output-format", "json")
    rules = json.loads(out)
    assert code == 0 and {"code": "SF102", "hadolint": ["DL3009"]}.items() <= rules[1].items()


def test_check_is_the_main_command_by_name_and_a_folder_named_like_a_command_is_pointed_out(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "Dockerfile").write_text(BAD)
    code, out, _ = slimfix("check", "rules", cwd=tmp_path)
    assert code == 1 and "rules/Dockerfile" in out
    code, out, err = slimfix("rules", cwd=tmp_path)
    assert code == 0 and "SF102" in out
    assert "`slimfix check rules`" in err


def test_file_changed_on_disk_is_not_overwritten(tmp_path):
    f = tmp_path / "Dockerfile"
    f.write_text(BAD)
    source = read_source(f)
    f.write_text(BAD + "# edited meanwhile\n")
    with pytest.raises(FileProblem, match="changed on disk"):
        write_atomic(source, GOOD)
    assert f.read_text() == BAD + "# edited meanwhile\n"


def test_demo_diff_shows_sf102():
    demo = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
    code, out, _ = slimfix("--diff", demo)
    assert code == 1
    # apt-tools, go-multistage and python-webapp clean their apt lists; node-typescript its npm cache
    assert out.count("+++ b/") == 4 and out.count("rm -rf /var/lib/apt/lists/*") == 3
    assert "npm cache clean --force" in out


def test_parallel_output_equals_serial_output(tmp_path):
    import random

    rng = random.Random(3)
    variants = [BAD, GOOD, "FROM alpine\nRUN apk add curl\n", "FROM python:3.12\nRUN pip install flask\n",
                "FROM debian\nRUN <<EOF\n", "\x00binary"]
    for i in range(60):
        d = tmp_path / f"svc{i:02d}"
        d.mkdir()
        (d / "Dockerfile").write_bytes(rng.choice(variants).encode())
    serial = slimfix("-j", "1", "--statistics", ".", cwd=tmp_path)
    parallel = slimfix("-j", "2", "--statistics", ".", cwd=tmp_path)
    assert serial == parallel
    assert serial[0] == 2 and serial[1].count("SF102") > 0  # errors and findings both present
    diff_serial = slimfix("-j", "1", "--diff", ".", cwd=tmp_path)
    assert diff_serial == slimfix("-j", "2", "--diff", ".", cwd=tmp_path)


def test_nested_gitignore_files_apply_below_their_directory(tmp_path):
    for name in ["a/Dockerfile", "a/private/Dockerfile", "a/keep/Dockerfile", "b/private/Dockerfile",
                 "a/gen.Dockerfile"]:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(BAD)
    (tmp_path / "a" / ".gitignore").write_text("private/\n*.Dockerfile\n")
    (tmp_path / "a" / "keep" / ".gitignore").write_text("!*.Dockerfile\n")
    _, out, _ = slimfix(".", cwd=tmp_path)
    found = sorted({line.split(":")[0] for line in out.splitlines()})
    assert found == ["a/Dockerfile", "a/keep/Dockerfile", "b/private/Dockerfile"]


def test_stdin_filename_gives_the_build_context(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask\n")
    text = b"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n"
    _, out, _ = slimfix("--select", "SF201", "--stdin-filename", "Dockerfile", "-", cwd=tmp_path, stdin=text)
    assert out.splitlines()[0].endswith("[*]")  # safe: the context was read
    _, out, _ = slimfix("--select", "SF201", "-", cwd=tmp_path, stdin=text)
    assert out.splitlines()[0].endswith("[unsafe fix]")  # no name, no context: nothing was checked


def test_nothing_found_says_so(tmp_path):
    code, _, err = slimfix(".", cwd=tmp_path)
    assert code == 0 and "no Dockerfile found" in err


def test_server_without_its_extra_says_how_to_install_it_in_one_line():
    code = ("import sys; sys.modules['pygls'] = None\nfrom slimfix.cli import main\n"
            "try:\n    main(['server'])\nexcept SystemExit as e:\n    sys.exit(e.code)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == "slimfix server: the language server needs pygls: pip install 'slimfix[server]'\n"
