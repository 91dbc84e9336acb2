"""Commands that may share a dependency install's RUN when SF201 moves it before the source
copy: they read no source file (version checks, listings, cache cleanups, setting a manager
up)."""

from __future__ import annotations

from ..shell.packages import program_words, system_setup_command
from ..shell.script import SimpleCommand
from .pip import PROGRAM as _PIP, PYTHON as _PYTHON

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
