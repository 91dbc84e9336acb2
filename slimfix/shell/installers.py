"""Recognising dependency installs (pip, uv, npm, yarn, pnpm, go, bundler, composer)
and whether they need only their manifests or the whole source tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .packages import program_words, system_setup_command
from .script import SimpleCommand

_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
# pip/uv options that take a value in the next word.
_PIP_VALUE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
    "--find-links", "--trusted-host", "-t", "--target", "--prefix", "--root", "--src",
    "--progress-bar", "--root-user-action", "--platform", "--python-version", "--implementation",
    "--abi", "--only-binary", "--no-binary", "--cache-dir", "--log", "--timeout", "--retries",
    "--proxy", "--cert", "--client-cert", "--exists-action", "--global-option", "-C",
    "--config-settings", "--python", "-p", "--index-strategy", "--upgrade-strategy", "--report",
}


@dataclass
class Install:
    """A dependency install: its ecosystem and the manifest files it reads (relative to
    the working directory of the RUN). ``needs_source`` says why it cannot be hoisted."""

    ecosystem: str
    manifests: list[str] = field(default_factory=list)
    needs_source: str | None = None
    ignore_scripts: bool = False
    # It also installs the project itself (from the source): before the source, the same
    # command with this option installs only the dependencies.
    dependencies_only: str | None = None


def _looks_local(word: str) -> bool:
    if re.match(r"^[a-z][a-z0-9+.-]*://", word) and not word.startswith("file:"):
        return False  # a URL (git+https://, https://...) is not in the context
    return (word in (".", "..") or word.startswith(("./", "../", "/", "~", "file:"))
            or "/" in word or word.endswith((".whl", ".tar.gz", ".zip", ".tgz")))


def pip_install(argv: list[str]) -> Install | None:
    """``pip install ...`` after the program words (``pip``, ``python -m pip``, ``uv pip``)."""
    if not argv or argv[0] != "install":
        return None
    inst = Install("pip")
    words = iter(argv[1:])
    for w in words:
        opt, eq, inline = w.partition("=")
        if w.startswith("-") and not w.startswith("--") and len(w) > 2 and w[:2] in ("-r", "-c", "-f", "-e"):
            opt, inline, eq = w[:2], w[2:], "="
        value = None
        if opt in _PIP_VALUE_OPTIONS:
            value = inline if eq else next(words, None)
            if value is None:
                inst.needs_source = f"`{w}` without a value"
                return inst
        if opt in ("-r", "--requirement", "-c", "--constraint"):
            inst.manifests.append(value)
        elif opt in ("-f", "--find-links") and _looks_local(value):
            inst.needs_source = f"`{opt} {value}` reads packages from the source tree"
        elif opt in ("-e", "--editable"):
            inst.needs_source = "an editable install (`-e`) needs the source tree"
            return inst
        elif opt in ("-t", "--target", "--prefix", "--root", "--src") and value and not value.startswith("/"):
            inst.needs_source = f"`{opt} {value}` writes into the working directory"
        elif w.startswith("-"):
            continue
        elif _looks_local(w):
            inst.needs_source = f"`pip install {w}` installs from the source tree"
            return inst
    return inst


def classify(cmd: SimpleCommand) -> Install | None:
    """The dependency install a command performs, or None when it performs none."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    if any(a is None for a in argv):
        prog = argv[0].rsplit("/", 1)[-1]
        if _PIP.match(prog) or prog in ("npm", "yarn", "pnpm", "go", "bundle", "composer", "uv"):
            return Install(prog, needs_source="an argument uses a shell expansion")
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if _PIP.match(prog):
        return pip_install(rest)
    if _PYTHON.match(prog) and rest[:2] == ["-m", "pip"]:
        return pip_install(rest[2:])
    if prog == "uv" and rest[:1] == ["pip"]:
        found = pip_install(rest[1:])
        if found:
            found.ecosystem = "uv"
        return found
    if prog == "uv" and rest[:1] == ["sync"]:
        return _project_install("uv sync", rest[1:], ["pyproject.toml", "uv.lock"],
                                ("--no-install-project", "--no-install-workspace", "--only-dev"),
                                "--no-install-project", ("--package", "--project", "--directory"))
    if prog == "poetry" and rest[:1] == ["install"]:
        return _project_install("poetry", rest[1:], ["pyproject.toml", "poetry.lock"],
                                ("--no-root", "--only-root"), "--no-root", ("--directory", "-C", "-P", "--project"))
    if prog == "pipenv" and rest[:1] in (["install"], ["sync"]):
        found = Install("pipenv", ["Pipfile", "Pipfile.lock"])
        if [w for w in rest[1:] if not w.startswith("-")]:
            found.needs_source = "`pipenv install PACKAGE` changes Pipfile, which the source copy then replaces"
        return found
    if prog == "npm":
        return _npm(rest)
    if prog == "yarn":
        return _yarn(rest)
    if prog == "pnpm":
        return _pnpm(rest)
    if prog == "go" and rest[:2] == ["mod", "download"]:
        return Install("go", ["go.mod", "go.sum"])
    if prog == "dotnet" and rest[:1] == ["restore"]:
        found = Install("dotnet", ["*.csproj"])  # the project files are found in the context
        if any(w.startswith("--source") or w == "-s" for w in rest) and any(_looks_local(w) for w in rest[1:]):
            found.needs_source = "`dotnet restore --source` reads packages from the source tree"
        return found
    if prog == "bundle" and rest[:1] == ["install"]:
        return Install("bundler", ["Gemfile", "Gemfile.lock"])
    if prog == "composer" and rest[:1] == ["install"]:
        found = Install("composer", ["composer.json", "composer.lock"])
        missing = [o for o in ("--no-scripts", "--no-autoloader") if o not in rest]
        if missing:
            # Scripts and the autoloader need the sources: before them, install the
            # packages alone; the RUN itself, after the sources, does the rest.
            found.dependencies_only = " ".join(missing)
        return found
    return None


def _project_install(ecosystem: str, rest: list[str], manifests: list[str], deps_only: tuple[str, ...],
                     add: str, elsewhere: tuple[str, ...]) -> Install:
    """``uv sync`` and ``poetry install``: they install the project too, unless told not
    to (``deps_only``); before the source, ``add`` makes them install only what the lock
    names."""
    found = Install(ecosystem, list(manifests))
    if any(w.split("=", 1)[0] in elsewhere for w in rest):
        found.needs_source = f"`{ecosystem}` is pointed at another project directory"
    elif not any(w in deps_only for w in rest):
        found.dependencies_only = add
    return found


def _npm(rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if not words or words[0] not in ("ci", "install", "i", "clean-install"):
        return None
    if "-g" in rest or "--global" in rest:
        return Install("npm")  # a global tool by name: reads no manifest
    found = Install("npm", ["package.json"], ignore_scripts="--ignore-scripts" in rest)
    if any(w.startswith("--prefix") for w in rest):
        found.needs_source = "`--prefix` points npm at another directory"
    elif any(_looks_local(w) for w in words[1:]):
        found.needs_source = "installs a package from the source tree"
    return found


def _yarn(rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if words and words[0] != "install":
        return None
    return Install("yarn", ["package.json"], ignore_scripts="--ignore-scripts" in rest)


def _pnpm(rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if not words or words[0] not in ("install", "i"):
        return None
    return Install("pnpm", ["package.json"], ignore_scripts="--ignore-scripts" in rest)


# Commands that only report: they read no source file and write nothing (without a
# redirection), so they may stay in an install RUN that runs before the source is copied.
_REPORTING = {"ls", "echo", "printf", "pwd", "id", "whoami", "uname", "date", "which", "true", ":",
              "printenv"}
_VERSION_FLAGS = (["--version"], ["-V"], ["-v"], ["version"])
_PIP_REPORTS = {"check", "list", "freeze", "show", "--version", "-V"}


def read_only(cmd: SimpleCommand) -> bool:
    """`pip check`, `node --version`, `ls`, `echo` without a redirection: a command that
    only prints."""
    argv = program_words(cmd)
    if cmd.redirects or not argv or any(a is None for a in argv):
        return False
    prog = argv[0].rsplit("/", 1)[-1]
    if prog in _REPORTING:
        return True
    if argv[1:] in _VERSION_FLAGS and (prog in ("node", "npm", "yarn", "pnpm", "go", "uv", "poetry", "pipenv",
                                                 "bundle", "ruby", "gem", "composer", "php", "dotnet")
                                       or _PIP.match(prog) or _PYTHON.match(prog)):
        return True
    if _PIP.match(prog) and argv[1:2] and argv[1] in _PIP_REPORTS:
        return True
    return bool(_PYTHON.match(prog) and argv[1:3] == ["-m", "pip"] and argv[3:4] and argv[3] in _PIP_REPORTS)


def companion(cmd: SimpleCommand) -> bool:
    """A command that may share the install RUN: it reads no source file (and, with a
    redirection other than to /dev/null, it may write one)."""
    for op, target in zip(cmd.redirects[0::2], cmd.redirects[1::2]):
        value = target.value or ""
        duplicates_fd = op.text.endswith("&") and (value.isdigit() or value == "-")
        if not duplicates_fd and target.value != "/dev/null":
            return False
    if system_setup_command(cmd) or read_only(cmd):
        return True
    argv = program_words(cmd)
    if not argv or any(a is None for a in argv):
        return False
    prog = argv[0].rsplit("/", 1)[-1]
    if prog == "rm":
        return all(a.startswith("-") or a.startswith(("/root/.cache", "~/.cache", "/tmp/", "/var/cache/",
                                                       "/root/.npm", "~/.npm"))
                   for a in argv[1:])
    if (prog == "npm" and argv[1:3] == ["cache", "clean"]) or (prog == "yarn" and argv[1:3] == ["cache", "clean"]):
        return True
    if (_PIP.match(prog) or (_PYTHON.match(prog) and argv[1:3] == ["-m", "pip"])) and "cache" in argv[1:4]:
        return True
    if prog == "bundle" and argv[1:2] == ["config"]:
        return True
    return tool_setup(argv)


def tool_setup(argv: list[str]) -> bool:
    """Setting up a package manager in a way that reads no project file: `corepack enable`
    (it links shims), `corepack prepare pnpm@9 --activate` and `corepack install -g
    yarn@4` (a version named on the command line, not package.json's packageManager),
    `npm config set` and `pnpm config set` of the user's configuration (not `yarn config
    set`, which Yarn Berry writes into the project's .yarnrc.yml)."""
    prog = argv[0].rsplit("/", 1)[-1]
    words = [a for a in argv[1:] if not a.startswith("-")]
    if prog == "corepack":
        if words[:1] in (["enable"], ["disable"]):
            return True
        if words[:1] == ["prepare"] and len(words) > 1:
            return True  # without a name it reads package.json
        return words[:1] == ["install"] and ("-g" in argv or "--global" in argv) and len(words) > 1
    if prog in ("npm", "pnpm") and words[:2] == ["config", "set"]:
        # the user's (or global) configuration; `--location project` writes the project's .npmrc
        return not any(a.startswith(("--location", "-L", "--userconfig")) for a in argv[1:])
    return False
