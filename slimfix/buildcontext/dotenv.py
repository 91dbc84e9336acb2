"""Whether a context's `.env` may be left out of it (SF401).

`.env` is often tracked configuration that the build reads on purpose (Vite, Next and
Expo inline it), so it is excluded only when it is plainly not part of the project: git
ignores it, or there is no git work tree and the file holds secret-looking keys.
"""

from __future__ import annotations

import re
from pathlib import Path

_SECRET_KEY = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|_KEY$", re.I)
# Keys that front-end builds inline into the bundle: the build needs the file.
_BUILD_READS = ("VITE_", "NEXT_PUBLIC_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_", "VUE_APP_",
                "GATSBY_", "PUBLIC_", "STORYBOOK_")
_ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=")


def exclusion_reason(root: Path, name: str = ".env") -> tuple[str | None, str]:
    """(why ``name`` may be excluded, None) or (None, why it is kept)."""
    state = _git_state(root, name)
    if state == "ignored":
        return "git ignores it", ""
    if state == "tracked":
        return None, f"`{name}` is part of the project (git does not ignore it): the build may read it"
    if state == "unknown":
        return None, f"`{name}` is kept: whether git ignores it could not be found out"
    keys = _keys(root / name)
    if keys is None:
        return None, f"`{name}` is kept: it could not be read as KEY=VALUE lines"
    public = [k for k in keys if k.startswith(_BUILD_READS)]
    if public:
        return None, f"`{name}` is kept: `{public[0]}` is a variable that front-end builds inline"
    secret = [k for k in keys if _SECRET_KEY.search(k)]
    if not secret:
        return None, f"`{name}` is kept: no git work tree says it is not project configuration"
    return f"no git work tree, and it holds secret-looking keys ({', '.join(secret[:3])})", ""


def _git_state(root: Path, name: str) -> str:
    """"ignored", "tracked" (in a work tree and not ignored), "none" (no work tree) or
    "unknown" (a work tree, but git could not answer)."""
    import subprocess  # only for a context that holds a .env

    try:
        inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown" if _has_git_dir(root) else "none"
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return "unknown" if _has_git_dir(root) else "none"
    try:
        # exit 0: ignored (a tracked file never is); 1: not ignored; other: an error
        found = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "--", name],
                               capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return {0: "ignored", 1: "tracked"}.get(found.returncode, "unknown")


def _has_git_dir(root: Path) -> bool:
    return any((p / ".git").exists() for p in (root.resolve(), *root.resolve().parents))


def _keys(path: Path) -> list[str] | None:
    """The variable names of a KEY=VALUE file, or None when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    keys = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _ASSIGNMENT.match(line)
        if not m:
            return None
        keys.append(m.group(1))
    return keys or None
