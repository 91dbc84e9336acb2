"""Which documents the server looks at, the settings each one gets (as the CLI would
give them), and what slimfix finds in them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..buildcontext import ContextResolver
from ..config import Config, ConfigError, find_config, load_config
from ..discovery import is_dockerfile_name
from ..engine import check
from ..fileio import MAX_BYTES, too_large
from ..fixes import Applicability
from ..rules import Finding, Rule, select_rules
from ..signals import TIME_BUDGET, OverBudget, time_budget
from ..syntax import Dockerfile, ParseError, parse

LANGUAGE_IDS = ("dockerfile", "containerfile")


def uri_to_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names; None for other schemes (``untitled:``)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and len(path) >= 3 and path[0] == "/" and path[2] == ":":
        path = path[1:]  # file:///C:/x -> C:/x
    if parsed.netloc and parsed.netloc != "localhost":
        path = f"//{parsed.netloc}{path}"  # a UNC path
    return Path(path)


def is_dockerfile(uri: str, language_id: str | None) -> bool:
    """A Dockerfile by the editor's language, or by a name the CLI would pick up."""
    if language_id and language_id.lower() in LANGUAGE_IDS:
        return True
    path = uri_to_path(uri)
    name = path.name if path is not None else uri.rsplit("/", 1)[-1]
    return is_dockerfile_name(name)


@dataclass(frozen=True)
class Settings:
    """What the CLI would use for this file: its config's rules (less the per-file
    ignores), the fix threshold (``unsafe-fixes``) and the build context."""

    rules: tuple[type[Rule], ...]
    threshold: Applicability
    context_dir: Path | None
    config: Path | None


def settings_for(path: Path | None) -> Settings:
    """Raises ConfigError or ValueError (an unknown rule code) as the CLI reports them.
    The config is looked up on every call: an edit to it counts from the next check."""
    found = find_config(path.parent if path is not None else Path.cwd())
    cfg = load_config(found) if found else Config()
    rules = select_rules(cfg.select, cfg.ignore)
    for _, codes in cfg.per_file_ignores:
        select_rules(codes)  # an unknown code is an error here too, as in the CLI
    if path is not None:
        off = cfg.ignores_for(path)
        rules = [r for r in rules if not any(r.code.startswith(c) for c in off)]
    threshold = Applicability.UNSAFE if cfg.unsafe_fixes else Applicability.SAFE
    context = ContextResolver(None, cfg).resolve(path).context
    return Settings(tuple(rules), threshold, context, found)


@dataclass(frozen=True)
class Problem:
    """Why a document has no findings: it does not parse, the config is wrong, or a bug."""

    kind: str  # "parse", "config", "limit" (too large, too slow) or "internal"
    message: str
    line: int = 1  # 1-based, as ParseError gives them
    column: int = 1


@dataclass
class Analysis:
    uri: str
    version: int | None
    text: str
    path: Path | None
    findings: list[Finding] = field(default_factory=list)
    settings: Settings | None = None
    problem: Problem | None = None
    memo: dict = field(default_factory=dict, repr=False)  # what is worked out once per text
    _doc: Dockerfile | None = field(default=None, repr=False)

    @property
    def doc(self) -> Dockerfile:
        """The parsed text (only when there is no problem)."""
        if self._doc is None:
            self._doc = parse(self.text)
        return self._doc


def analyze(uri: str, text: str, version: int | None = None) -> Analysis:
    """Findings on ``text`` as the CLI would report them for the file ``uri`` names,
    within the CLI's limits: a text over its size limit is not checked, a check over its
    time budget is given up (the server answers one request at a time: a document that
    never finishes would silence it for every other). Never raises for bad input or
    config (a bug in a rule does raise: the caller logs it)."""
    path = uri_to_path(uri)
    out = Analysis(uri, version, text, path)
    size = _utf8_size(text)
    if size > MAX_BYTES:
        out.problem = Problem("limit", f"slimfix: {too_large(size)}")
        return out
    try:
        with time_budget(TIME_BUDGET):
            _check(out, path)
    except OverBudget:
        out.findings, out._doc = [], None
        out.problem = Problem("limit", f"slimfix: skipped: took more than {TIME_BUDGET:g} s (the per-file time budget)")
    return out


def _utf8_size(text: str) -> int:
    if len(text) > MAX_BYTES:  # at least a byte a character: no need to encode it
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _check(out: Analysis, path: Path | None) -> None:
    text = out.text
    try:
        out.settings = settings = settings_for(path)
    except (ConfigError, ValueError) as exc:
        out.problem = Problem("config", f"slimfix: {exc}")
        return
    try:
        out._doc = parse(text)
        out.findings = check(out._doc, list(settings.rules), path, settings.context_dir)
    except ParseError as exc:
        out.problem = Problem("parse", f"parse error: {exc.message}", exc.line, exc.column)
        return
    except RecursionError:
        out.problem = Problem("internal", "slimfix internal error: input nested too deeply")
        return
