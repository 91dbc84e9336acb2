"""The SF6xx cache-mount family: opt-in selection, and its precedence over the cleanup and
no-cache rules (SF102, SF301-SF304) when both are selected."""

from __future__ import annotations

import pytest

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import select_rules


def _codes(rules) -> set[str]:
    return {r.code for r in rules}


def test_cache_mounts_are_not_selected_by_default_all_or_sf():
    for select in (None, ["ALL"], ["SF"], ["SF1", "SF3"]):
        assert not any(c.startswith("SF6") for c in _codes(select_rules(select))), select


def test_cache_mounts_are_selected_by_a_prefix_that_names_them():
    assert _codes(select_rules(["SF6"])) == {"SF601", "SF602", "SF603", "SF604", "SF605", "SF606", "SF607",
                                                  "SF608", "SF609", "SF610"}
    assert _codes(select_rules(["SF602"])) == {"SF602"}
    both = _codes(select_rules(["ALL", "SF6"]))
    assert {"SF102", "SF301", "SF601"} <= both
    assert "SF601" not in _codes(select_rules(["ALL", "SF6"], ["SF601"]))


def _fix(text: str, select: list[str], unsafe: bool = True) -> str:
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    out = fix_document(text, select_rules(select), threshold=threshold)
    again = fix_document(out.output, select_rules(select), threshold=threshold)
    assert again.output == out.output, "not idempotent"
    return out.output


APT = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"


def test_apt_mount_wins_over_lists_cleanup():
    out = _fix(APT, ["SF1", "SF6"])
    assert "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked" in out
    assert "trap 'mv /etc/apt/docker-clean.aside /etc/apt/apt.conf.d/docker-clean' EXIT; }; } && apt-get update" in out
    assert "rm -rf /var/lib/apt/lists" not in out


def test_lists_cleanup_applies_where_the_mount_is_refused():
    text = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n"
            "RUN apt-get install -y make\n")
    out = _fix(text, ["SF102", "SF6"])
    assert "--mount" not in out.splitlines()[1]
    # with one later install, SF102's unsafe fix gives it its own update: then both RUNs
    # update, and SF601 mounts the lists of both
    one = _fix("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
               "RUN apt-get install -y git\n", ["SF102", "SF6"])
    assert all("--mount=type=cache,target=/var/lib/apt" in line and "apt-get update" in line
               for line in one.splitlines()[1:])
    # SF102 itself refuses here (lines 3 and 4 need the lists); with only the first RUN it adds it
    solo = _fix("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
                "RUN --mount=type=cache,target=/var/lib/apt true\n", ["SF102", "SF601"])
    assert "--mount=type=cache,target=/var/cache/apt" in solo


@pytest.mark.parametrize("text, select, present, absent", [
    ("FROM python:3.12\nRUN pip install flask\n", ["SF3", "SF6"],
     "--mount=type=cache,target=/root/.cache/pip pip install flask", "--no-cache-dir"),
    ("FROM python:3.12\nRUN uv pip install --system flask\n", ["SF301", "SF602"],
     "--mount=type=cache,target=/root/.cache/uv uv pip install", "--no-cache"),
    ("FROM alpine:3.20\nRUN apk add curl\n", ["SF302", "SF605"],
     "apk add --update curl", "--no-cache"),
    ("FROM fedora:40\nRUN dnf install -y gcc\n", ["SF303", "SF605", "SF606"],
     "--mount=type=cache,target=/var/cache/dnf,sharing=locked", "clean all"),
    ("FROM node:20\nRUN npm ci\n", ["SF304", "SF603"],
     "--mount=type=cache,target=/root/.npm npm ci", "cache clean"),
])
def test_mount_wins_over_no_cache_and_cleanup(text, select, present, absent):
    out = _fix(text, select)
    assert present in out and absent not in out


@pytest.mark.parametrize("text, expected", [
    ("FROM company/python\nRUN pip install flask\n", "pip install --no-cache-dir flask"),
    ("FROM python:3.12\nENV UV_NO_CACHE=1\nRUN uv pip install --system flask\n", None),
    ("FROM node:20\nRUN yarn install\n", None),  # no context: SF304 reports, SF603 refuses
])
def test_cleanups_apply_where_the_mount_is_refused(text, expected):
    out = _fix(text, ["SF3", "SF6"])
    assert "--mount" not in out
    if expected:
        assert expected in out


def test_selected_without_unsafe_fixes_the_cleanup_still_waits():
    """Selecting SF6 says the caches go into mounts: SF102 does not add the cleanup even
    when the mount (an unsafe fix) is not applied in this run."""
    assert _fix(APT, ["SF1", "SF6"], unsafe=False) == APT


def test_two_families_in_one_run_converge():
    text = "FROM python:3.12\nRUN apt-get update && apt-get install -y gcc && pip install -r req.txt\n"
    out = _fix(text, ["ALL", "SF6"])
    line = out.splitlines()[1]
    assert line.count("--mount=") == 3 and "rm -rf /var/lib/apt/lists" not in out and "--no-cache-dir" not in out


def test_non_root_pip_cache_is_owned_by_the_user():
    text = ("FROM python:3.12-slim\nRUN groupadd -g 2000 app && useradd -m -u 1000 -g 2000 app\nUSER app\n"
            "ENV PIP_CACHE_DIR=/tmp/pip\nRUN pip install --user flask\n")
    assert "--mount=type=cache,target=/tmp/pip,uid=1000,gid=2000 pip install" in _fix(text, ["SF6"])


def test_no_mount_that_would_leave_a_root_owned_directory_in_a_users_home():
    """BuildKit and buildah create a mount target's missing parents owned by root, and they
    stay in the image: ~/.cache would no longer be writable by the user."""
    text = "FROM python:3.12-slim\nRUN useradd -m -u 1000 app\nUSER app\nRUN pip install --user flask\n"
    out = fix_document(text, select_rules(["SF6"]), threshold=Applicability.UNSAFE)
    assert out.output == text and "owned by root" in out.findings[0].not_fixed
    # npm's cache is directly in the home, which useradd -m created: fine
    npm = "FROM node:20\nRUN useradd -m -u 1001 app\nUSER app\nRUN npm ci\n"
    assert "--mount=type=cache,target=/home/app/.npm,uid=1001 npm ci" in _fix(npm, ["SF6"])
    # without -m nothing creates the home: its .npm would have a root-owned parent
    assert "--mount" not in _fix(npm.replace("useradd -m", "useradd"), ["SF6"])


def test_home_from_env_and_numeric_user():
    text = "FROM node:20\nENV HOME=/srv\nUSER 1500\nRUN npm ci\n"
    assert "--mount=type=cache,target=/srv/.npm,uid=1500 " in _fix(text, ["SF6"])


def test_command_line_and_config_select_the_opt_in_rules(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "Dockerfile").write_text(APT)

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "slimfix", *args, "Dockerfile"], cwd=tmp_path,
                              capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        return proc.stdout

    assert "SF601" not in run() and "SF102" in run()
    assert "SF601" in run("--select", "SF6") and "SF102" not in run("--select", "ALL,SF6")
    (tmp_path / "slimfix.toml").write_text('select = ["ALL", "SF6"]\n')
    assert "SF601" in run() and "SF102" not in run()
    assert "--mount=type=cache,target=/var/cache/apt" in run("--diff", "--unsafe-fixes")


@pytest.mark.parametrize("text", [
    "FROM python:3.12\nRUN pip install flask; rm -rf /root/.cache\n",  # after `;`: cannot go, and rm would fail
    "FROM python:3.12\nRUN pip install flask && rm -rf /root/.cache /tmp/x\n",  # not only the cache
    "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/*\n",
])
def test_no_mount_where_an_rm_would_remove_the_mount_point(text):
    out = fix_document(text, select_rules(["SF6"]), threshold=Applicability.UNSAFE)
    assert out.output == text
    assert all("mount point" in (f.not_fixed or "") for f in out.findings), out.findings


GEMS = "FROM ruby:3.3\nWORKDIR /app\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nRUN gem install foreman\n"


def test_gem_mount_wins_over_the_bundle_cache_cleanup_and_keeps_no_document():
    out = _fix(GEMS, ["ALL", "SF6"])
    lines = out.splitlines()
    assert lines[3] == ("RUN --mount=type=cache,target=/usr/local/bundle/cache "
                        "--mount=type=cache,target=/root/.bundle/cache bundle install")
    # SF305's --no-document is about documentation, not the cache: it still applies
    assert lines[4] == "RUN --mount=type=cache,target=/usr/local/bundle/cache gem install --no-document foreman"
    assert "rm -rf /usr/local/bundle/cache" not in out


def test_gem_mount_removes_the_cleanup_that_would_empty_it():
    text = "FROM ruby:3.3\nRUN bundle install && rm -rf /usr/local/bundle/cache/* ~/.bundle/cache\n"
    assert _fix(text, ["SF308", "SF608"]).splitlines()[1].endswith(" bundle install")


@pytest.mark.parametrize("text", [
    "FROM ruby:3.3\nRUN groupadd -g 1000 app && useradd -m -u 1000 -g 1000 app\nUSER app\nRUN bundle install\n",
    "FROM ruby:3.3\nENV BUNDLE_PATH=/app/vendor\nRUN bundle install\n",
    "FROM ruby:3.3\nRUN bundle install && rm -rf ~/.bundle\n",
])
def test_bundle_cache_cleanup_applies_where_the_gem_mount_is_refused(text):
    out = _fix(text, ["SF3", "SF6"])
    assert "--mount" not in out


def test_bundle_cleanup_is_not_added_to_a_heredoc_the_gem_mount_takes():
    text = "FROM ruby:3.3\nRUN <<EOT\nset -e\nbundle install\nEOT\n"
    out = _fix(text, ["SF308", "SF608"])
    assert "--mount=type=cache,target=/usr/local/bundle/cache" in out and "rm -rf" not in out


@pytest.mark.parametrize("text, mount", [
    ("FROM composer:2\nRUN composer install --no-cache\n", "--mount=type=cache,target=/tmp/cache composer install\n"),
    ("FROM php:8.3\nENV COMPOSER_HOME=/srv/composer\nRUN composer install && composer cc\n",
     "--mount=type=cache,target=/srv/composer/cache composer install\n"),
    ("FROM php:8.3\nRUN groupadd -g 33 w && useradd -m -u 33 -g 33 w\nUSER w\nENV COMPOSER_CACHE_DIR=/tmp/c\n"
     "RUN composer install\n", "--mount=type=cache,target=/tmp/c,uid=33,gid=33 composer install\n"),
])
def test_composer_cache_is_mounted_where_composer_keeps_it(text, mount):
    assert _fix(text, ["SF609"]).endswith(mount)


def test_composer_cache_dir_unknown_is_reported_not_guessed():
    text = "FROM php:8.3\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/\nRUN composer install\n"
    assert _fix(text, ["SF609"]) == text
