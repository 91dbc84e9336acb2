"""The certificate: apart from what the fired rules declared they would remove, does the
rewrite's image hold the same files and settings as the original's?

Every difference between the two images is attributed, in this order, to the noise of
the build itself (what differs between two builds of the original, then a short list of
files every build rewrites), or to the declared effect of a rule that fired, or it is
unexplained. Nothing is dropped: what was set aside as noise is listed with its reason.
A certificate that says "the same" must never be wrong, so a declaration covers only the
changes it names (removals, mostly) and a difference it does not name stays unexplained.
"""

from __future__ import annotations

import bisect
import fnmatch
import posixpath
from dataclasses import dataclass, field
from typing import Iterable

from ..effects import Effect
from .compare import Difference, SettingDifference, compare_files, compare_settings
from .contents import ImageContents
from .packages import Packages, package_database, read_packages

SAME = "same files and settings"
SAME_EXCEPT = "same files and settings except declared effects"
UNEXPLAINED = "unexplained differences"
INCOMPLETE = "incomplete"

# What every build rewrites whatever the Dockerfile says: set aside when only its content
# (or the log's existence) differs, and always listed as set aside.
DEFAULT_NOISE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/var/log/**", "logs that the package managers write on every run", ("changed", "added", "removed")),
    ("/var/cache/ldconfig/aux-cache", "ldconfig's cache of file times", ("changed",)),
    ("/etc/machine-id", "a machine id made at build time", ("changed",)),
    ("**/__pycache__/*.pyc", "compiled Python files embed their source's mtime", ("changed",)),
    ("~/.npm/_logs/**", "npm's run logs", ("changed", "added", "removed")),
    ("~/.cache/pip/selfcheck/**", "pip's version-check stamp", ("changed", "added", "removed")),
    ("/var/cache/debconf/*-old", "debconf's backup of its previous state", ("changed", "added", "removed")),
    ("/var/lib/dpkg/*-old", "dpkg's backup of its previous state", ("changed",)),
)


@dataclass
class Group:
    """Differences with one reason."""

    reason: str
    code: str | None = None  # the rule whose declared effect explains them
    differences: list[Difference] = field(default_factory=list)
    settings: list[SettingDifference] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(d.bytes for d in self.differences)


@dataclass
class Certificate:
    verdict: str
    explained: list[Group] = field(default_factory=list)
    noise: list[Group] = field(default_factory=list)
    unexplained: Group = field(default_factory=lambda: Group("unexplained"))
    problems: list[str] = field(default_factory=list)
    noise_source: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict in (SAME, SAME_EXCEPT)

    def to_json(self) -> dict:
        def group(g: Group) -> dict:
            return {"reason": g.reason, "rule": g.code, "paths": len(g.differences), "bytes": g.bytes,
                    "differences": [_difference_json(d) for d in g.differences],
                    "settings": [_setting_json(s) for s in g.settings]}

        return {"verdict": self.verdict, "passed": self.passed, "noise_source": self.noise_source,
                "explained": [group(g) for g in self.explained], "noise": [group(g) for g in self.noise],
                "unexplained": group(self.unexplained), "problems": self.problems}


@dataclass
class Declared:
    """A fired rule's declaration, with what the rewrite itself says of it."""

    code: str
    effect: Effect


@dataclass
class _Facts:
    """What the effects are checked against, read once from both images and the rewrite."""

    homes: tuple[str, ...]
    packages_before: Packages
    packages_after: Packages
    mount_targets: tuple[str, ...]
    ignore_patterns: tuple[str, ...]
    bind_targets: tuple[str, ...] = ()  # the bind mounts' targets in the rewrite (their mount points)
    # asked of every difference: worked out once
    removed_packages: set[str] = field(init=False)
    changed_packages: set[str] = field(init=False)

    def __post_init__(self) -> None:
        a, b = self.packages_before.versions, self.packages_after.versions
        self.removed_packages = set(a) - set(b)
        self.changed_packages = {p for p in a.keys() | b.keys() if a.get(p) != b.get(p)}


def certify(before: ImageContents, after: ImageContents, declared: Iterable[Declared], *,
            noise: ImageContents | None = None, rewritten_text: str = "",
            ignore_lines: Iterable[str] = ()) -> Certificate:
    """Compare the original's image (``before``) with the rewrite's (``after``).
    ``noise``: a second build of the original, without its cache, or None.
    ``rewritten_text``: the rewritten Dockerfile (its cache mounts).
    ``ignore_lines``: the lines the rewrite added to .dockerignore."""
    declared = list(declared)
    mounts = _mount_targets(rewritten_text)
    facts = _Facts(tuple(dict.fromkeys(homes(before) + homes(after))),
                   read_packages(before), read_packages(after), mounts[0],
                   tuple(line.strip() for line in ignore_lines if line.strip() and not line.startswith("#")),
                   mounts[1])
    measured = _measured_noise(before, noise) if noise is not None else {}
    cert = Certificate(SAME, problems=[f"original: {p}" for p in before.problems]
                       + [f"rewrite: {p}" for p in after.problems]
                       + ([f"second build of the original: {p}" for p in noise.problems] if noise else []))
    cert.noise_source = ("what differed between two builds of the original (the second without its cache), "
                         "and the default list" if noise is not None else "the default list only")
    groups: dict[str, Group] = {}

    def into(target: list[Group], reason: str, code: str | None) -> Group:
        key = f"{code}:{reason}"
        if key not in groups:
            groups[key] = Group(reason, code)
            target.append(groups[key])
        return groups[key]

    for diff in compare_files(before, after):
        # A fired rule's declared effect first: pip's cache differs from build to build too,
        # but it is gone because SF301 removed it (and /root/.cache, which only held it, with it).
        item = next((d for d in declared if _explains(d.effect, diff, facts)), None)
        if item is not None:
            into(cert.explained, item.effect.description, item.code).differences.append(diff)
            continue
        reason = _noise_reason(diff, measured, facts)
        if reason is not None:
            into(cert.noise, reason, None).differences.append(diff)
            continue
        item = next((d for d in declared if d.effect.packages and _made_by_removed_packages_scripts(diff, facts)),
                    None)
        if item is not None:
            into(cert.explained, SCRIPT_OUTPUTS_REASON, item.code).differences.append(diff)
        else:
            cert.unexplained.differences.append(diff)
    _adopt_holders(cert, before)
    for setting in compare_settings(before, after):
        basing = next((d for d in declared if d.effect.base), None)
        if setting.name == "Env" and basing is not None:
            into(cert.explained, basing.effect.description, basing.code).settings.append(setting)
        else:
            cert.unexplained.settings.append(setting)
    if cert.unexplained.differences or cert.unexplained.settings:
        cert.verdict = UNEXPLAINED
    elif cert.problems:
        cert.verdict = INCOMPLETE
    elif cert.explained:
        cert.verdict = SAME_EXCEPT
    return cert


def homes(contents: ImageContents) -> tuple[str, ...]:
    """Every user's home folder: /etc/passwd's, root's, and the image's HOME."""
    out = ["/root"]
    for line in contents.text("/etc/passwd").splitlines():
        fields = line.split(":")
        if len(fields) >= 6 and fields[5].startswith("/") and fields[5] not in ("/", "/nonexistent"):
            out.append(fields[5].rstrip("/"))
    for item in contents.settings.get("Env") or ():
        if isinstance(item, str) and item.startswith("HOME=/"):
            out.append(item[5:].rstrip("/") or "/")
    return tuple(dict.fromkeys(out))


def cache_mount_targets(text: str) -> tuple[str, ...]:
    """The targets of the cache and tmpfs mounts of a Dockerfile's RUN instructions."""
    return _mount_targets(text)[0]


def bind_mount_targets(text: str) -> tuple[str, ...]:
    """The targets of the bind mounts of a Dockerfile's RUN instructions."""
    return _mount_targets(text)[1]


def _mount_targets(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(cache and tmpfs targets, bind targets), absolute, from one parse of ``text``."""
    from ..analysis.mounts import cache_mount_targets as cache_mount_targets_of
    from ..analysis.mounts import mount_targets
    from ..syntax import ParseError, parse

    if not text.strip():
        return (), ()
    try:
        doc = parse(text)
    except ParseError:
        return (), ()
    cache, bind = [], []
    for inst in doc.instructions:
        if inst.keyword == "RUN":
            cache += [posixpath.normpath(t) for t in cache_mount_targets_of(inst) if t.startswith("/")]
        if inst.effective.name == "RUN":
            bind += [posixpath.normpath(t) for t in mount_targets(inst, ("bind",)) if t.startswith("/")]
    return tuple(dict.fromkeys(cache)), tuple(dict.fromkeys(bind))


def glob_match(pattern: str, path: str) -> bool:
    """``*`` within one name, ``**`` across any number of names (none included)."""
    return _match(pattern.strip("/").split("/"), path.strip("/").split("/"))


def _match(pattern: list[str], parts: list[str]) -> bool:
    # Memoised on positions: linear in pattern x path, whatever the stars.
    seen: dict[tuple[int, int], bool] = {}

    def at(i: int, j: int) -> bool:
        key = (i, j)
        if key not in seen:
            if i == len(pattern):
                result = j == len(parts)
            elif pattern[i] == "**":
                result = at(i + 1, j) or (j < len(parts) and at(i, j + 1))
            else:
                result = j < len(parts) and fnmatch.fnmatchcase(parts[j], pattern[i]) and at(i + 1, j + 1)
            seen[key] = result
        return seen[key]

    return at(0, 0)


def _expand(pattern: str, facts: _Facts) -> list[str]:
    if pattern.startswith("~/"):
        return [home + pattern[1:] for home in facts.homes]
    return [pattern]


def _matches_any(patterns: Iterable[str], path: str, facts: _Facts) -> bool:
    return any(glob_match(p, path) for pattern in patterns for p in _expand(pattern, facts))


def _explains(effect: Effect, diff: Difference, facts: _Facts) -> bool:
    path = diff.path
    if effect.removes and diff.change == "removed":
        if _matches_any(effect.removes, path, facts):
            return True
    if effect.mounts:
        for target in facts.mount_targets:
            if diff.change == "removed" and path.startswith(target + "/"):
                return True
            # the mount point is left behind as a folder, and the folders leading to it
            if diff.change in ("added", "changed", "removed") and (path == target or target.startswith(path + "/")) \
                    and (diff.after or diff.before).kind == "dir":
                return True
    if effect.mount_points and diff.change == "added" and path in facts.bind_targets and diff.after is not None \
            and (diff.after.kind == "dir" or (diff.after.kind == "file" and diff.after.size == 0)):
        return True
    if effect.packages and _package_removal(diff, facts):
        return True
    if effect.base and (package_database(path) or _owned_by(path, facts.changed_packages, facts)):
        return True
    if effect.ignored and diff.change == "removed" and any(_ignored(p, path) for p in facts.ignore_patterns):
        return True
    return False


def _adopt_holders(cert: Certificate, before: ImageContents) -> None:
    """A removed folder whose every entry is a removal one group explains only held what
    that group removed (``/root/.cache`` for pip's cache): it joins the group."""
    group_of = {d.path: g for g in cert.explained for d in g.differences if d.change == "removed"}
    paths = sorted(before.files)
    kept = []
    for diff in sorted(cert.unexplained.differences, key=lambda d: d.path.count("/"), reverse=True):
        if diff.change == "removed" and diff.before is not None and diff.before.kind == "dir":
            prefix = diff.path.rstrip("/") + "/"
            inside = paths[bisect.bisect_left(paths, prefix):bisect.bisect_left(paths, prefix + "\U0010ffff")]
            groups = {id(group_of.get(p)) for p in inside}
            if inside and None not in (group_of.get(p) for p in inside) and len(groups) == 1:
                group = group_of[inside[0]]
                group.differences.append(diff)
                group_of[diff.path] = group
                continue
        kept.append(diff)
    cert.unexplained.differences = sorted(kept, key=lambda d: d.path)
    for group in cert.explained:
        group.differences.sort(key=lambda d: d.path)


# What packages' installation scripts make outside their file lists (accounts in /etc/passwd,
# service links, generated caches and configuration): system folders only. A difference
# elsewhere (/usr/local, /opt, /srv, /home, /root, /app...) is never put down to them.
SCRIPT_OUTPUT_FOLDERS = ("/etc/", "/var/lib/", "/var/cache/", "/usr/lib/", "/usr/share/", "/run/", "/var/log/")
SCRIPT_OUTPUTS_REASON = ("files the installation scripts of the packages no longer installed made (in no package's "
                         "file list, in system folders)")


def _made_by_removed_packages_scripts(diff: Difference, facts: _Facts) -> bool:
    """A file in a system folder that no package still installed owns, changed or gone
    where the original installed packages the rewrite does not: what their maintainer
    scripts made (a system group, an init link, /etc/papersize). Listed as its own group."""
    removed = facts.removed_packages
    if not removed or diff.change == "added" or not diff.path.startswith(SCRIPT_OUTPUT_FOLDERS):
        return False
    installed = facts.packages_after.versions
    return not any(owner in installed for owner in facts.packages_after.owned_by(diff.path))


def _package_removal(diff: Difference, facts: _Facts) -> bool:
    removed = facts.removed_packages
    if not removed:
        return False
    if package_database(diff.path):
        return True
    return diff.change == "removed" and _owned_by(diff.path, removed, facts)


def _owned_by(path: str, names: set[str], facts: _Facts) -> bool:
    if not names:
        return False
    owners = facts.packages_before.owned_by(path) | facts.packages_after.owned_by(path)
    if owners & names:
        return True
    # a compiled file that a package's installation script made from the package's source
    folder, name = posixpath.split(path)
    if posixpath.basename(folder) == "__pycache__" and name.endswith(".pyc"):
        source = posixpath.join(posixpath.dirname(folder), name.split(".", 1)[0] + ".py")
        owners = facts.packages_before.owned_by(source) | facts.packages_after.owned_by(source)
        return bool(owners & names)
    return False


def _ignored(pattern: str, path: str) -> bool:
    """A .dockerignore pattern (relative to the context) matches a run of names of
    ``path``: a COPY may have put the context anywhere, and excluding a folder excludes
    everything in it."""
    if pattern.startswith("!"):
        return False
    wanted = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
    parts = path.strip("/").split("/")
    if not wanted:
        return False
    for start in range(len(parts)):
        for end in range(start + 1, len(parts) + 1):
            if _match(wanted, parts[start:end]):
                return True
    return False


def _measured_noise(before: ImageContents, second: ImageContents) -> dict[str, str]:
    return {d.path: d.change for d in compare_files(before, second)}


def _noise_reason(diff: Difference, measured: dict[str, str], facts: _Facts) -> str | None:
    seen = measured.get(diff.path)
    # a path whose content varies from build to build, or that one build has and another lacks
    if seen is not None and (seen == diff.change or "changed" not in (seen, diff.change)):
        return "differed between two builds of the original"
    if diff.change == "changed" and set(diff.fields) - {"content"}:
        return None  # the default list sets aside content only
    for pattern, why, changes in DEFAULT_NOISE:
        if diff.change in changes and _matches_any((pattern,), diff.path, facts):
            return why
    return None


def shown(path: str) -> str:
    """A path as text any terminal or format can hold: undecodable bytes and control
    characters as backslash escapes."""
    raw = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in raw)


def _difference_json(d: Difference) -> dict:
    return {"path": shown(d.path), "change": d.change, "fields": list(d.fields), "bytes": d.bytes,
            "kind": (d.after or d.before).kind}


def _setting_json(s: SettingDifference) -> dict:
    return {"setting": s.name, "before": s.before, "after": s.after}
