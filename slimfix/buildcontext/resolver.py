"""Which build context each Dockerfile is built with.

In order: ``--context``; the config's ``contexts`` table; a compose file (compose.yaml,
docker-compose.yml and their variants) in the Dockerfile's directory or a parent, whose
service builds it (``build.context`` and ``build.dockerfile``); a simple docker-bake.hcl
doing the same; and finally the Dockerfile's own directory. Standard input with no file
name has no context unless ``--context`` gives one.

The search for compose and bake files goes up from the Dockerfile's directory and stops
at the repository root (the nearest directory holding ``.git``), the config's directory,
or the root the user named, whichever comes first: a compose file in a shared parent
folder decides nothing. A context outside the roots is not used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..fileio import FileProblem, read_text
from ..safepaths import Roots, real_path

_COMPOSE_VARIANT = re.compile(r"^(docker-)?compose(\.[\w-]+)*\.ya?ml$")
# Line by line, with [ \t] and no ``\s`` spanning lines: linear in the file's size.
_BAKE_TARGET = re.compile(r'target[ \t]+"[^"\n]*"[ \t]*\{')
_HCL_STRING = re.compile(r'[ \t]*(context|dockerfile)[ \t]*=[ \t]*"([^"$\n]*)"[ \t]*')
_MAX_PARENTS = 12


@dataclass(frozen=True)
class Resolved:
    context: Path | None  # None: nothing to read (standard input without a file name)
    reason: str


@dataclass
class ContextResolver:
    cli_context: Path | None
    config: Config = field(default_factory=Config)
    roots: Roots | None = None
    declared: bool = True  # look for the config's table and compose and bake files
    problems: list[str] = field(default_factory=list)  # compose/bake files that could not be read
    through_links: bool = False  # a compose or bake file's context or Dockerfile is reached through a symlink
    _ends: dict[str, bool] = field(default_factory=dict)  # dir -> holds .git (the search ends there)
    _reals: dict[str, str] = field(default_factory=dict)
    _maps: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # dir -> {dockerfile: (context, source)}
    _chains: dict[tuple, list[str]] = field(default_factory=dict)  # (dir, config file) -> folders searched

    def resolve(self, dockerfile: Path | None, config: Config | None = None) -> Resolved:
        """``config``: the settings for this Dockerfile (default: the resolver's).
        ``dockerfile`` None is standard input without a name; a name whose directory
        does not exist (``--stdin-filename``) gets no context either."""
        if self.cli_context is not None:
            return Resolved(self.cli_context, "--context")
        if dockerfile is None or not dockerfile.parent.is_dir():
            return Resolved(None, "standard input")
        if not self.declared:
            return Resolved(dockerfile.parent, "the Dockerfile's directory")
        config = config if config is not None else self.config
        refused = ""
        configured = config.context_for(dockerfile)
        if configured is not None:
            directory, glob = configured
            if self._allowed(directory):
                return Resolved(directory, f"config {config.path} (contexts '{glob}')")
            refused = f"; {directory} from config {config.path} is outside the tree"
        # Plain strings and one directory listing per directory: this runs in the main
        # process for every Dockerfile of a monorepo.
        target = os.path.abspath(dockerfile)
        for directory in self._searched(os.path.dirname(target), dockerfile, config):
            mapping = self._declared_in(directory)
            if mapping and target in mapping:
                context, source = mapping[target]
                if self._allowed(Path(context)):
                    return Resolved(Path(context), source)
                refused = refused or f"; {context} from {source} is outside the tree"
                break
        return Resolved(dockerfile.parent, "the Dockerfile's directory" + refused)

    def _searched(self, directory: str, dockerfile: Path, config: Config) -> list[str]:
        """The folders whose compose and bake files may build a Dockerfile in
        ``directory``, nearest first: the same for all the Dockerfiles of a folder."""
        key = (directory, config.path)
        found = self._chains.get(key)
        if found is None:
            stops = self._stops(dockerfile, config)
            found = self._chains[key] = []
            for _ in range(_MAX_PARENTS):
                found.append(directory)
                parent = os.path.dirname(directory)
                if parent == directory or self._real(directory) in stops or self._repository_root(directory):
                    break
                directory = parent
        return found

    def _real(self, directory: str) -> str:
        return real_path(directory, self._reals)

    def _repository_root(self, directory: str) -> bool:
        found = self._ends.get(directory)
        if found is None:
            found = self._ends[directory] = os.path.isdir(os.path.join(directory, ".git"))
        return found

    def _allowed(self, context: Path) -> bool:
        return self.roots is None or self.roots.inside(context)

    def _stops(self, dockerfile: Path, config: Config) -> set[str]:
        """Directories the search does not go above: the config's and the named root."""
        stops = set()
        if config.path is not None:
            stops.add(self._real(str(config.path.parent)))
        if self.roots is not None:
            root = self.roots.root_of(dockerfile.parent)
            if root is not None:
                stops.add(root)
        return stops

    def _declared_in(self, directory: str) -> dict[str, tuple[str, str]]:
        found = self._maps.get(directory)
        if found is None:
            found = {}
            try:
                names = sorted(e.name for e in os.scandir(directory)
                               if _COMPOSE_VARIANT.match(e.name) or e.name == "docker-bake.hcl")
            except OSError:
                names = []
            for name in names:
                path = Path(directory, name)
                try:
                    pairs = _bake(path) if name == "docker-bake.hcl" else _compose(path)
                except FileProblem as exc:  # counts for nothing, and is said
                    self.problems.append(f"{path}: {exc}; not used to find build contexts")
                    pairs = []
                for dockerfile, context, linked in pairs:
                    self.through_links = self.through_links or linked
                    found.setdefault(os.path.abspath(os.path.realpath(dockerfile)), (str(context), str(path)))
            self._maps[directory] = found
        return found


def _pair(base: Path, context: str, dockerfile: str) -> tuple[Path, Path, bool]:
    """(Dockerfile, context) as a compose or bake file in ``base`` names them, real; and
    whether a symlink on the way made them so (which the walk cache cannot watch)."""
    root = (base / context).resolve()
    plain_root = os.path.normpath(os.path.join(os.path.realpath(base), context))
    target = (root / dockerfile).resolve()
    return target, root, str(root) != plain_root or str(target) != os.path.normpath(os.path.join(root, dockerfile))


def _compose(path: Path) -> list[tuple[Path, Path, bool]]:
    """(Dockerfile, context, through a link) of each service a compose file builds. FileProblem when it cannot be
    read, is not YAML or has no ``services`` mapping; a service it cannot make sense of
    is skipped."""
    import yaml

    from ..yamlload import safe_load

    try:
        data = safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise FileProblem(f"not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise FileProblem("not valid YAML (nested too deeply)") from None
    services = data.get("services") if isinstance(data, dict) else None
    if services is None:
        return []
    if not isinstance(services, dict):
        raise FileProblem(f"'services' must be a mapping, not {type(services).__name__}")
    out = []
    for service in services.values():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict):
            continue
        context = build.get("context", ".")
        if not isinstance(context, str) or "://" in context or context.startswith("git@") or "$" in context:
            continue
        dockerfile = build.get("dockerfile", "Dockerfile")
        if not isinstance(dockerfile, str) or "$" in dockerfile:
            continue
        if "\0" in context or "\0" in dockerfile:
            raise FileProblem("a NUL byte in a build context or dockerfile")
        out.append(_pair(path.parent, context, dockerfile))
    return out


def _bake(path: Path) -> list[tuple[Path, Path, bool]]:
    """Targets of a docker-bake.hcl with literal ``context`` and ``dockerfile``."""
    text = read_text(path)
    out = []
    for fields in _bake_targets(text):
        if any("\0" in v for v in fields.values()):
            raise FileProblem("a NUL byte in a build context or dockerfile")
        out.append(_pair(path.parent, fields.get("context", "."), fields.get("dockerfile", "Dockerfile")))
    return out


def _bake_targets(text: str) -> list[dict[str, str]]:
    """The literal ``context``/``dockerfile`` of each ``target "x" {`` block; a block
    ends at the first line starting with ``}`` (blank lines and indentation allowed)."""
    targets: list[dict[str, str]] = []
    fields: dict[str, str] | None = None
    for line in text.splitlines():
        if fields is None:
            m = _BAKE_TARGET.search(line)
            if m is None:
                continue
            fields = {}
            line = line[m.end():]  # the rest of the header line counts as the body
        elif line.lstrip().startswith("}"):
            targets.append(fields)
            fields = None
            continue
        m = _HCL_STRING.fullmatch(line)
        if m is not None:
            fields[m.group(1)] = m.group(2)  # the last one wins, as before
    return targets
