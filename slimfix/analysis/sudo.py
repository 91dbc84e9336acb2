"""Commands that run through `sudo`: a cleanup or a setting that goes with such
a command must run the same way. Under a non-root USER, `rm` of root's files fails without
it, and `npm cache clean` without the same `sudo -H` may clean another user's cache."""

from __future__ import annotations

from ..shell import SimpleCommand, Token
from ..shell.packages import program_words

_ELEVATORS = {"sudo"}  # the wrapper program_words knows (not doas, su or gosu)
# sudo's options whose value is the next word. program_words does not skip them: `sudo -u
# app npm ci` is not read as npm at all (a cleanup or a cache mount would need app's home),
# so no rule edits it.
_VALUE_OPTIONS = {"-u", "--user", "-g", "--group", "-C", "--close-from", "-D", "--chdir", "-h", "--host",
                  "-p", "--prompt", "-R", "--chroot", "-T", "--command-timeout", "-U", "--other-user",
                  "-r", "--role", "-t", "--type"}


def elevation_words(cmd: SimpleCommand) -> tuple[Token, ...]:
    """The words of ``cmd`` that make it run as another user: ``sudo`` and its
    options, as written (``sudo -E -H`` in ``sudo -E -H npm ci``). Empty when the
    command does not run through one."""
    skip = len(cmd.words) - len(program_words(cmd))  # the wrapper words before the program
    words = cmd.words[:skip]
    start = next((i for i, w in enumerate(words)
                  if w.value is not None and w.value.rsplit("/", 1)[-1] in _ELEVATORS), None)
    if start is None:
        return ()
    end = start + 1
    while end < len(words):  # its options, not a wrapper after it (`sudo xargs ...`)
        value = words[end].value
        if value is None or not (value.startswith("-") or "=" in value):
            break
        end += 2 if value in _VALUE_OPTIONS else 1
    return tuple(words[start:min(end, len(words))])


def elevation_prefix(cmd: SimpleCommand) -> str:
    """``sudo -E `` (with its trailing space) for a command that runs through sudo, else
    ``""``: put before a command that must run as ``cmd`` runs."""
    words = elevation_words(cmd)
    return " ".join(w.text for w in words) + " " if words else ""
