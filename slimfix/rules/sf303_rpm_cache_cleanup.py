from __future__ import annotations

import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from ..managers import rpm
from .base import Finding, Rule, RuleContext
from .common.cleanup import missing_cleanup, run_text
from .common.cache_mounts import mount_takes_over
from ..analysis.mounts import mounted

_INSTALLS = {"install", "groupinstall", "reinstall", "update", "upgrade", "localinstall", "in", "up"}
_CLEANUP = rpm.CLEANUP
_CACHES = rpm.CLEANED_CACHE


class RpmCacheCleanup(Rule):
    """
    ## What it does
    Appends `yum clean all` (`dnf clean all`, `microdnf clean all`, `zypper clean --all`)
    to a RUN that installs packages with that manager and does not clean up.

    ## Why is this bad?
    yum, dnf and zypper keep repository metadata and downloaded packages under
    `/var/cache`; left there, they are stored in the layer, often 100 MB or more.

    ## Example
    ```dockerfile
    RUN dnf install -y python3
    ```

    ## Use instead
    ```dockerfile
    RUN dnf install -y python3 && dnf clean all
    ```

    ## Fix safety
    Safe: the cleanup goes into the same RUN, after its chain, in the file's style (as
    for SF102). The rule is silent when the RUN already cleans: the manager's `clean` (with
    options before it too: `dnf -y clean all`), the `clean` of another manager sharing the
    cache (yum, dnf and microdnf do), a removal of its cache directory or of /var/cache as
    a whole (`rm -rf /var/cache/*`); and when it has a cache or tmpfs mount on it.
    It is also silent on a RUN that is there to fill the cache (commented as warming or
    priming one).
    When the install runs through `sudo`, the cleanup runs through the same
    words (`sudo`, `sudo -E -H`): under a non-root USER a plain cleanup would fail or
    clean another user's cache. When some of them run through it and some do not, the
    finding is reported without a fix.
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent: its cache is
    thrown away with the stage.
    """

    code = "SF303"
    triggers = ("yum", "dnf", "zypper")
    name = "rpm-cache-cleanup"
    effect = Effect("removes the yum, dnf or zypper package cache",
                    removes=("/var/cache/yum/**", "/var/cache/dnf/**", "/var/cache/libdnf5/**", "/var/cache/zypp/**"))
    summary = "Clean the yum, dnf or zypper cache in the RUN that installs"
    hadolint = ("DL3032", "DL3040", "DL3036")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return missing_cleanup(self, ctx, _needs,
                               lambda inst, cleanup: _cleaned(inst, cleanup) or _cleans_already(ctx, inst, cleanup)
                               or mount_takes_over(ctx, inst, "SF606"),
                               "package install without `{cleanup}` leaves the package cache in the layer",
                               looks_like={c: re.compile(rf"\b{p}\s+(-\S+\s+)*(install|in)\b")
                                           for p, c in _CLEANUP.items()})


def _manager(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    return prog if prog in _CLEANUP else None


def _needs(cmd: SimpleCommand) -> str | None:
    prog = _manager(cmd)
    if prog is None:
        return None
    words = [w for w in program_words(cmd)[1:] if w is not None and not w.startswith("-")]
    return _CLEANUP[prog] if words and words[0] in _INSTALLS else None


def _cleaned(inst: Instruction, cleanup: str) -> bool:
    prog = cleanup.split()[0]
    text = run_text(inst)
    return (f"{prog} clean" in text or (prog == "zypper" and "zypper cc" in text)
            or _CACHES[prog] in text or mounted(inst, _CACHES[prog]))


# yum, dnf and microdnf share their cache (on Fedora and RHEL 8+ yum is dnf): any of them
# cleaning counts for all.
_FAMILY = {"yum": "rpm", "dnf": "rpm", "microdnf": "rpm", "zypper": "zypper"}
_CLEAN_VERBS = {"rpm": {"clean"}, "zypper": {"clean", "cc"}}


def _cleans_already(ctx: RuleContext, inst: Instruction, cleanup: str) -> bool:
    """The RUN already cleans in a way the text test misses: the manager's clean with
    options before it (`dnf -y clean all`), another manager of the family, or an `rm` of
    /var/cache as a whole (`rm -rf /var/cache/*`, `/var/cache/{dnf,yum}`)."""
    run = ctx.run(inst)
    family = _FAMILY[cleanup.split()[0]]
    for cmd in run.commands() if run is not None else ():
        argv = [a for a in program_words(cmd) if a is not None]
        if not argv:
            continue
        prog = argv[0].rsplit("/", 1)[-1]
        words = [a for a in argv[1:] if not a.startswith("-")]
        if _FAMILY.get(prog) == family and words[:1] and words[0] in _CLEAN_VERBS[family]:
            return True
        if prog == "rm" and any(re.match(r"^/var/cache/?(\*|\{[^}]*(yum|dnf|zypp)[^}]*\}.*)?$", a) for a in argv[1:]):
            return True
    return False
