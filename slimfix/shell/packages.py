"""Recognising package-manager commands in a RUN, through wrappers like sudo and env."""

from __future__ import annotations

from .script import SimpleCommand
from .tokens import Token

_WRAPPERS = {"sudo", "env", "nice", "nohup", "time", "xargs", "command", "exec", "stdbuf", "ionice"}
APT_PROGRAMS = {"apt-get", "apt", "aptitude"}
APT_INSTALLS = {"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall", "satisfy"}
# apt-get options that take a separate value word.
_APT_VALUE_OPTIONS = {"-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"}


def program_words(cmd: SimpleCommand) -> list[str | None]:
    """argv with leading wrappers (``sudo -E``, ``env A=1``, ``xargs -r``) removed."""
    cached = cmd.__dict__.get("_program_words")  # every rule asks, for every command
    if cached is None:
        cached = cmd.__dict__["_program_words"] = _program_words(cmd)
    return cached


def _program_words(cmd: SimpleCommand) -> list[str | None]:
    argv = cmd.argv
    while argv and argv[0] is not None and argv[0].rsplit("/", 1)[-1] in _WRAPPERS:
        argv = argv[1:]
        while argv and argv[0] is not None and (argv[0].startswith("-") or "=" in argv[0]):
            argv = argv[1:]
    return argv


def wrappers(cmd: SimpleCommand) -> list[str]:
    """The wrapper programs (``sudo``, ``env``...) ``program_words`` strips from ``cmd``,
    by base name, outermost first."""
    skipped = cmd.argv[: len(cmd.argv) - len(program_words(cmd))]
    return [w.rsplit("/", 1)[-1] for w in skipped if w is not None and w.rsplit("/", 1)[-1] in _WRAPPERS]


def through_sudo(cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` runs its program through ``sudo``: the RUN's user is then not root,
    and whatever a fix adds around the program runs as that user, not as root."""
    return "sudo" in wrappers(cmd)


def subcommand_token(cmd: SimpleCommand, verbs: set[str]) -> Token | None:
    """The token of the first non-option word after the program that is in ``verbs``
    (``install`` in ``sudo apt-get -q install -y x``)."""
    skip = len(cmd.words) - len(program_words(cmd))
    words = cmd.words[skip + 1 :]
    i = 0
    while i < len(words):
        v = words[i].value
        if v is None:
            return None
        if v in _APT_VALUE_OPTIONS:
            i += 2
            continue
        if v.startswith("-"):
            i += 1
            continue
        return words[i] if v in verbs else None
    return None


def apt_subcommand(cmd: SimpleCommand) -> str | None:
    """``update``, ``install``... for an apt-get/apt/aptitude command, else None."""
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] not in APT_PROGRAMS:
        return None
    words = iter(argv[1:])
    for w in words:
        if w is None:
            return None
        if w in _APT_VALUE_OPTIONS:
            next(words, None)
            continue
        if w.startswith("-"):
            continue
        return w
    return None


def is_apt_update(cmd: SimpleCommand) -> bool:
    return apt_subcommand(cmd) == "update"


def is_apt_install(cmd: SimpleCommand) -> bool:
    return apt_subcommand(cmd) in APT_INSTALLS


_PACKAGE_MANAGERS = {
    "apt-get": {"update", "install", "upgrade", "dist-upgrade", "clean", "dist-clean", "autoremove", "purge", "remove"},
    "apt": {"update", "install", "upgrade", "clean", "autoremove", "purge", "remove"},
    "apk": {"add", "update", "upgrade", "del", "cache"},
    "dnf": {"install", "update", "upgrade", "clean", "makecache", "remove"},
    "yum": {"install", "update", "upgrade", "clean", "makecache", "remove"},
    "microdnf": {"install", "update", "upgrade", "clean", "remove"},
    "zypper": {"install", "in", "refresh", "ref", "update", "up", "clean", "cc", "remove", "rm"},
}
_USER_TOOLS = {"useradd", "groupadd", "adduser", "addgroup", "usermod", "groupmod"}
HARMLESS = {"set", "export", "true", ":", "echo"}  # they change only this RUN's own shell


def system_setup_command(cmd: SimpleCommand) -> bool:
    """A command that cannot read the build's source files: system package installs
    (by name, not local package files), user and group creation, cache cleanup."""
    argv = program_words(cmd)
    if not argv or any(a is None for a in argv):
        return False
    prog = argv[0].rsplit("/", 1)[-1]
    if prog in _USER_TOOLS or prog in HARMLESS:
        return True
    if prog == "rm":
        return all(a.startswith("-") or a.startswith(("/var/lib/apt/lists", "/var/cache/")) for a in argv[1:])
    verbs = _PACKAGE_MANAGERS.get(prog)
    if verbs is None:
        return False
    words = [a for a in argv[1:] if not a.startswith("-")]
    verb = apt_subcommand(cmd) if prog in APT_PROGRAMS else (words[0] if words else None)
    if verb not in verbs:
        return False
    return not any("/" in w or w.endswith((".deb", ".rpm", ".apk")) for w in words[1:])
