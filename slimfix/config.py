"""Settings from ``[tool.slimfix]`` in pyproject.toml, ``slimfix.toml`` or ``.slimfix.toml``.

Each Dockerfile gets the nearest file from its folder upward, not above the repository
root, else the one found from the working directory upward (not above its repository root
either, and only when that file is in the Dockerfile's repository), or the one named with
``--config`` (see ConfigFinder). A pyproject.toml counts only with a ``[tool.slimfix]``
table. ``--show-settings`` says which file each Dockerfile gets. Options on the command
line override the file. Paths and globs in the file are relative to its directory.

```toml
[tool.slimfix]                 # in slimfix.toml: the same keys at the top level
select = ["SF1", "SF2"]
ignore = ["SF501"]
unsafe-fixes = false
exclude = ["vendor", "**/testdata"]
contexts = { "services/*/Dockerfile" = ".", "web/Dockerfile" = "web/app" }
per-file-ignores = { "legacy/**" = ["SF201"] }
```
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a spec is built: a run with no globs never needs it
    from .gitignore import PathPatterns

from .discovery import gitignore_spec as _gitignore_spec
from .fileio import FileProblem, read_text



def _tomllib():
    """Imported only when a settings file is read: most runs have none."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib

NAMES = ("slimfix.toml", ".slimfix.toml", "pyproject.toml")
KEYS = {"select": list, "ignore": list, "unsafe-fixes": bool, "exclude": list, "contexts": dict,
        "per-file-ignores": dict}


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    unsafe_fixes: bool | None = None
    exclude: list[str] = field(default_factory=list)
    contexts: list[tuple[PathPatterns, str, Path]] = field(default_factory=list)  # spec, glob, dir
    per_file_ignores: list[tuple[PathPatterns, list[str]]] = field(default_factory=list)

    @property
    def exclude_spec(self) -> PathPatterns | None:
        if not self.exclude:
            return None
        if not hasattr(self, "_exclude_spec"):
            self._exclude_spec = _gitignore_spec(
                [p[2:] if p.startswith("./") else p for p in self.exclude])
        return self._exclude_spec

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def _relative(self, dockerfile: Path) -> str | None:
        try:
            return dockerfile.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def context_for(self, dockerfile: Path) -> tuple[Path, str] | None:
        if not self.contexts:
            return None
        rel = self._relative(dockerfile)
        if rel is None:
            return None
        for spec, glob, directory in self.contexts:
            if spec.match_file(rel):
                return directory, glob
        return None

    def ignores_for(self, dockerfile: Path) -> list[str]:
        if not self.per_file_ignores:
            return []
        rel = self._relative(dockerfile)
        if rel is None:
            return []
        return [c for spec, codes in self.per_file_ignores if spec.match_file(rel) for c in codes]


def find_config(start: Path, stop_at_repository: bool = True) -> Path | None:
    """The nearest settings file from ``start`` upward, not above the repository root
    (the nearest directory holding ``.git``): a settings file in a shared parent folder
    (``exclude = ["*"]`` there turns every run green) is not the repository's."""
    start = start.resolve()
    for directory in (start, *start.parents):
        found = _config_in(directory)
        if found is not None:
            return found
        if stop_at_repository and (directory / ".git").exists():
            return None
    return None


def _config_in(directory: Path) -> Path | None:
    for name in NAMES:
        f = os.path.join(directory, name)  # strings: this runs for every folder of a walk
        if os.path.isfile(f) and (name != "pyproject.toml" or _has_table(Path(f))):
            return Path(f)
    return None


class ConfigFinder:
    """The settings for each file: ``--config`` when given; otherwise the nearest settings
    file upward from the file's folder, not above the repository root (as ruff does),
    falling back to the one found from the working directory. Each file's globs are
    relative to its own folder. Raises ConfigError naming a broken file."""

    def __init__(self, explicit: Config | None, fallback: Config):
        self.explicit = explicit
        self.fallback = fallback
        self._by_dir: dict[str, Config] = {}
        self._loaded: dict[Path, Config] = {}
        self._reals: dict[str, str] = {}
        if fallback.path is not None:
            self._loaded[fallback.path.resolve()] = fallback

    def for_dir(self, directory: str | Path) -> Config:
        if self.explicit is not None:
            return self.explicit
        key = os.path.abspath(directory)
        found = self._by_dir.get(key)
        if found is not None:
            return found
        # One look per directory, memoized for its subdirectories: a walk over a monorepo
        # asks for every folder. Upward in a loop, so a tree of any depth is read.
        below: list[str] = []
        while found is None:
            found = self._by_dir.get(key)
            if found is not None:
                break
            here = _config_in(key)
            parent = os.path.dirname(key)
            if here is not None:
                here = here.resolve()
                if here not in self._loaded:
                    self._loaded[here] = load_config(here)
                found = self._loaded[here]
            elif parent == key:
                found = self.fallback
            elif os.path.exists(os.path.join(key, ".git")):
                found = self._fallback_in(key)
            else:
                below.append(key)
                key = parent
                continue
            self._by_dir[key] = found
        for d in below:
            self._by_dir[d] = found
        return found

    def _fallback_in(self, repository: str) -> Config:
        """The working directory's settings for a repository without its own: only when
        that file is in the repository (a file above it, or in another, is not its)."""
        where = self.fallback.path
        if where is None or _within(self._real(str(where.parent)), self._real(repository)):
            return self.fallback
        return Config()

    def for_file(self, path: str | Path) -> Config:
        return self.for_dir(os.path.dirname(os.path.abspath(path)))

    def excluded(self, path: str, is_dir: bool) -> bool:
        """Whether the settings file governing ``path`` excludes it (globs relative to
        that file's folder). A broken one excludes nothing: each Dockerfile under it is
        then refused with the file's error, as a job."""
        directory, name = os.path.split(os.path.abspath(path))
        try:
            cfg = self.for_dir(directory)
        except ConfigError:
            return False
        spec = cfg.exclude_spec
        if spec is None or cfg.path is None:
            return False
        rel = os.path.relpath(os.path.join(self._real(directory), name), self._real(str(cfg.path.parent)))
        if rel == ".." or rel.startswith("../"):
            return False
        return spec.match_file(rel.replace(os.sep, "/") + ("/" if is_dir else ""))

    def _real(self, directory: str) -> str:
        from .safepaths import real_path

        return real_path(directory, self._reals)


def shown_config(path: Path) -> str:
    """A settings file's name as messages give it: relative to the working folder when it
    is below it, as the findings' file names are."""
    try:
        return os.path.relpath(path) if _within(os.path.abspath(path), os.getcwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def _read_toml(path: Path) -> dict:
    """The file's table, or ConfigError naming the file. The TOML parser recurses once per
    level of nesting: a valid file nested deeper than the interpreter allows is this
    file's error, never the run's."""
    try:
        return _tomllib().loads(read_text(path))
    except FileProblem as exc:
        raise ConfigError(f"{shown_config(path)}: cannot read: {str(exc).removeprefix('skipped: ')}") from None
    except _tomllib().TOMLDecodeError as exc:
        raise ConfigError(f"{shown_config(path)}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{shown_config(path)}: nested too deeply (arrays or tables within each other)") from None


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _has_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml has a [tool.slimfix] table. One that cannot be read or is
    not TOML is an error, not a file to skip: its settings might be meant for us."""
    tool = _read_toml(pyproject).get("tool", {})
    return isinstance(tool, dict) and "slimfix" in tool


def load_config(path: Path) -> Config:
    """Raises ConfigError naming the file and the offending key."""
    data = _read_toml(path)
    where = "[tool.slimfix]" if path.name == "pyproject.toml" else "the top level"
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("slimfix", {}) if isinstance(tool, dict) else None
        if not isinstance(data, dict):
            raise ConfigError(f"{shown_config(path)}: [tool.slimfix] must be a table")
    cfg = Config(path=path)
    for key, value in data.items():
        kind = KEYS.get(key)
        if kind is None:
            raise ConfigError(f"{shown_config(path)}: unknown key '{key}' in {where} (known: {', '.join(KEYS)})")
        if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{shown_config(path)}: '{key}' must be {_describe(kind)}")
    cfg.select = data.get("select")
    cfg.ignore = data.get("ignore")
    cfg.unsafe_fixes = data.get("unsafe-fixes")
    cfg.exclude = list(data.get("exclude", []))
    for key in ("select", "ignore"):
        _known_codes(path, key, data.get(key) or [])
    for glob, directory in data.get("contexts", {}).items():
        if not isinstance(directory, str):
            raise ConfigError(f"{shown_config(path)}: contexts.'{glob}' must be a directory (a string)")
        if "\0" in directory or not (path.parent / directory).is_dir():
            raise ConfigError(f"{shown_config(path)}: contexts.'{glob}': {directory!r} is not a directory "
                              f"(relative to {path.parent})")
        cfg.contexts.append((_spec(glob), glob, (path.parent / directory)))
    for glob, codes in data.get("per-file-ignores", {}).items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{shown_config(path)}: per-file-ignores.'{glob}' must be a list of rule codes")
        _known_codes(path, f"per-file-ignores.'{glob}'", codes)
        cfg.per_file_ignores.append((_spec(glob), [c.upper() for c in codes]))
    return cfg


def _known_codes(path: Path, key: str, codes: list[str]) -> None:
    from .rules import select_rules

    try:
        select_rules(codes)
    except ValueError as exc:
        raise ConfigError(f"{shown_config(path)}: {key}: {exc}") from None


def _spec(glob: str) -> PathPatterns:
    return _gitignore_spec([glob])


def _describe(kind: type) -> str:
    return {list: "a list of strings", bool: "true or false", dict: "a table"}[kind]
