"""`slimfix verify`: build the original and the rewritten Dockerfile, and compare.

The build context is copied into a temporary folder for each side (the user's files are
never touched): the original, the rewrite, and, when the selection includes the opt-in
cache-mount rules (SF6xx), the rewrite with cache mounts. Each copy is built cold and
measured; then a source file is edited in every copy and each is rebuilt (which steps
the edit invalidates), then a dependency is added to the manifest (one more line in
requirements.txt, one more entry in package.json) and each is rebuilt again: that is
where cache mounts pay. Images the run creates are removed afterwards unless asked to
keep them.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import time
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from typing import Callable

from .builders import BuildRun, BuilderError, ImageInfo, Layer, SmokeRun, created_by_us, mark
from .certificate import INCOMPLETE, Certificate, Declared, certify, shown
from .certificate_text import certificate_lines
from .contents import ImageContents, read_image
from ..buildcontext import BuildContext
from ..engine import fix_document
from ..fixes import Applicability
from ..rules import rule_by_code, select_rules
from ..analysis.context_copy import context_copy, source_path

_MANIFESTS = {"requirements.txt", "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
              "go.mod", "go.sum", "Gemfile", "Gemfile.lock", "composer.json", "composer.lock",
              "pyproject.toml", "poetry.lock", "uv.lock", "setup.py", "setup.cfg", ".dockerignore"}
_SOURCES = (".py", ".js", ".ts", ".go", ".rb", ".php", ".java", ".rs", ".c", ".sh", ".html", ".css")


@dataclass
class Side:
    cold: BuildRun | None = None
    image: ImageInfo | None = None
    rebuild: BuildRun | None = None  # after the source edit
    dependency: BuildRun | None = None  # after the dependency edit


@dataclass
class Verification:
    dockerfile: str
    builder: str
    edited: str | None
    fixes: list[str]
    before: Side = field(default_factory=Side)
    after: Side = field(default_factory=Side)
    problem: str | None = None  # why the comparison is incomplete
    slimfix_bug: bool = False  # the rewrite failed to build where the original built
    mounts: Side | None = None  # the rewrite with cache mounts (SF6xx selected)
    mount_fixes: list[str] = field(default_factory=list)
    dependency: str | None = None  # what the dependency edit added, and where
    notes: list[str] = field(default_factory=list)
    against: str | None = None  # the Dockerfile certified against the original (--against)
    # side name -> the certificate of its image against the original's
    certificates: dict[str, Certificate] = field(default_factory=dict)
    # side name -> the bytes a layer ships that a later layer deletes, overwrites or re-owns:
    # {"shipped_by", "hidden_by", "how", "bytes"}, largest first
    waste: dict[str, list[dict]] = field(default_factory=dict)
    smoke: str | None = None  # the command run in every image (--smoke)
    smoke_runs: dict[str, SmokeRun] = field(default_factory=dict)

    def sides(self) -> list[tuple[str, Side]]:
        out = [("before", self.before), ("after", self.after)]
        return out + ([("cache mounts", self.mounts)] if self.mounts is not None else [])

    def to_json(self) -> dict:
        data = asdict(replace(self, certificates={}))
        data["certificates"] = {name: cert.to_json() for name, cert in self.certificates.items()}
        return data

    @property
    def smoke_differs(self) -> list[str]:
        """The rewrites in which the smoke command ended otherwise or printed otherwise."""
        first = self.smoke_runs.get("before")
        return [name for name, run in self.smoke_runs.items() if name != "before" and first is not None
                and (run.status is None or (run.status, run.output) != (first.status, first.output))]

    @property
    def uncertified(self) -> list[str]:
        """The rewrites built whose certificate failed or could not be made."""
        built = [name for name, side in self.sides()[1:] if side.image is not None and side is not self.before]
        return [name for name in built if name not in self.certificates or not self.certificates[name].passed]


def pick_edit_file(dockerfile_text: str, context: Path, dockerfile: Path) -> str | None:
    """A source file that only the whole-context COPY brings in: not a manifest, not named by
    another COPY, not left out by .dockerignore; source code preferred."""
    from ..syntax import parse

    doc = parse(dockerfile_text)
    if not any(context_copy(i) for i in doc.instructions):
        return None
    named = {source_path(v) for i in doc.instructions if i.keyword in ("COPY", "ADD") and not context_copy(i)
             for v in i.values()[:-1]}
    build = BuildContext(context, dockerfile)
    if build.ignore_problem is not None:
        return None
    candidates = []
    for root, dirs, files in os.walk(context):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", "__pycache__", ".venv"))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), context).replace(os.sep, "/")
            if f in _MANIFESTS or rel in named or any(rel.startswith(n + "/") for n in named if n):
                continue
            if not build.included(rel):
                continue
            candidates.append(rel)
    preferred = [c for c in candidates if c.endswith(_SOURCES)]
    return (preferred or candidates or [None])[0]


# Small, real packages to add for the dependency edit (PyPI, npm), in order of preference.
_PY_EXTRA = ("six", "idna", "packaging", "tomli", "attrs")
_NPM_EXTRA = (("ms", "^2.1.3"), ("is-number", "^7.0.0"), ("escape-html", "^1.0.3"))
_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")


def pick_manifest(dockerfile_text: str, context: Path) -> str | None:
    """The manifest a dependency edit goes into: a requirements file the Dockerfile
    installs with ``-r``, else requirements.txt or a package.json without a lockfile
    (``npm ci`` refuses a lockfile that does not match) at the context root."""
    for m in re.finditer(r"(?:-r|--requirement)[ =]+([^\s'\"]+)", dockerfile_text):
        name = m.group(1).lstrip("./")
        if "$" not in name and (context / name).is_file():
            return name
    if (context / "requirements.txt").is_file():
        return "requirements.txt"
    if (context / "package.json").is_file() and not any((context / lock).exists() for lock in _LOCKS):
        return "package.json"
    return None


def dependency_edit(path: Path, line: str | None = None) -> str:
    """Add one dependency to the manifest at ``path``; returns what was added."""
    text = path.read_text(encoding="utf-8")
    if path.name == "package.json":
        data = json.loads(text)
        deps = data.setdefault("dependencies", {})
        if line:
            name, _, version = line.partition("@")
            name, version = (line, "*") if not version else (name, version)
        else:
            name, version = next(((n, v) for n, v in _NPM_EXTRA if n not in deps), _NPM_EXTRA[-1])
        deps[name] = version
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return f"{name}@{version}"
    if line is None:
        present = {re.split(r"[\s=<>!~\[;]", ln.strip(), maxsplit=1)[0].lower() for ln in text.splitlines()}
        line = next((p for p in _PY_EXTRA if p not in present), _PY_EXTRA[-1])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(("" if text.endswith("\n") or not text else "\n") + line + "\n")
    return line


_APT_EXTRA = ("tree", "less", "file")


def apt_dependency_edit(text: str) -> tuple[str, str] | None:
    """With no manifest, the Dockerfile's own package list is the manifest: one more package
    (a small one from Debian) at the end of its first ``apt-get install``. Returns the new
    text and the package, or None when there is no such install."""
    from ..edits import CannotEdit, insert_after
    from ..fixes import apply_edits
    from ..shell import read_run
    from ..shell.packages import apt_subcommand
    from ..syntax import parse

    doc = parse(text)
    for inst in doc.instructions:
        run = read_run(inst)
        if run is None or run.unsupported:
            continue
        for cmd in run.commands():
            if apt_subcommand(cmd) != "install" or cmd.words[-1].value is None:
                continue
            pkg = next((p for p in _APT_EXTRA if p not in cmd.argv), None)
            if pkg is None:
                continue
            try:
                edit = insert_after(inst, cmd, cmd.words[-1], f" {pkg}")
            except CannotEdit:
                continue
            return apply_edits(text, [edit]).text, pkg
    return None


def verify(dockerfile: Path, context: Path, builder, *, edit: str | None = None, keep: bool = False,
           unsafe_fixes: bool = False, rules: list | None = None, dependency: bool = True,
           manifest: str | None = None, dependency_line: str | None = None,
           progress: Callable[[str], None] | None = None, against: Path | None = None,
           noise_build: bool = True, smoke: str | None = None) -> Verification:
    """``rules``: the rules whose fixes make the rewritten side (default: the default
    selection). When they include the opt-in cache-mount rules, the rewrite is built twice:
    without them (``after``) and with them (``mounts``; their unsafe fixes are applied for
    the comparison even without ``unsafe_fixes``).
    ``against``: instead of slimfix's rewrite, certify this Dockerfile against the original
    (no rule's declared effect explains anything: every difference is listed).
    ``noise_build``: build the original a second time, without its cache, to learn what
    differs from build to build.
    ``smoke``: a command to run in each image as built, comparing exit status and output."""
    text = dockerfile.read_bytes().decode("utf-8")
    threshold = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    chosen = list(rules or select_rules())
    default_rules = [r for r in chosen if r.default]
    opt_in = frozenset(r.code for r in chosen if not r.default)
    if against is not None:
        other = against.read_bytes().decode("utf-8")
        result = Verification(str(dockerfile), builder.name, None, [], against=str(against))
        texts = [("before", text, []), ("after", other, [])]
        outcome = None
    else:
        outcome = fix_document(text, default_rules, threshold=threshold, path=dockerfile, context_dir=context)
        result = Verification(str(dockerfile), builder.name, None, sorted({f.code for f in outcome.applied}))
        texts = [("before", text, []), ("after", outcome.output, outcome.file_changes)]
    result.smoke = smoke
    if opt_in and outcome is not None:
        mounted = fix_document(text, chosen, threshold=threshold, path=dockerfile, context_dir=context,
                               unsafe_codes=opt_in)
        result.mount_fixes = sorted({f.code for f in mounted.applied})
        if mounted.output != outcome.output:
            result.mounts = Side()
            texts.append(("cache mounts", mounted.output, mounted.file_changes))
        else:
            result.notes.append("the cache-mount rules change nothing more than the rewrite")
    if outcome is not None and not outcome.changed and result.mounts is None:
        result.problem = "slimfix changes nothing in this Dockerfile: nothing to compare"
        return result
    if outcome is not None and not outcome.changed:
        # Building the same Dockerfile twice would measure the layer cache of the first
        # build (the rewrite's "rebuild" came out as fast as a no-op): the rewrite is the
        # original, so it shares the original's figures.
        texts = [t for t in texts if t[0] != "after"]
        result.after = result.before
        result.notes.append("the default rules change nothing: the rewrite is the original")
    say = progress or (lambda message: None)
    result.notes.append(f"each side reuses only the layers it built itself (ARG {SIDE_ARG}=<side> after each "
                        "FROM keeps the layer caches apart): each rebuild time is that Dockerfile's own")
    edit = edit or pick_edit_file(text, context, dockerfile)
    result.edited = edit
    manifest = manifest or (pick_manifest(text, context) if dependency else None)
    tag = f"localhost/slimfix-verify-{uuid.uuid4().hex[:10]}"
    before_ids = builder.image_ids()
    marks: list = []  # what each of our builds made
    tmp = Path(tempfile.mkdtemp(prefix="slimfix-verify-"))
    sides = dict(result.sides())
    contents: dict[str, ImageContents] = {}
    unreadable: dict[str, str] = {}  # side -> why its image could not be exported
    by_text = {name: (content, changes) for name, content, changes in texts}
    try:
        copies = {}
        ignore_file = BuildContext(context, dockerfile).ignore_file

        def copy(name: str, content: str, changes) -> None:
            slug = name.replace(" ", "-")
            copy_dir = tmp / slug / "context"
            shutil.copytree(context, copy_dir, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            df = tmp / slug / "Dockerfile"
            df.write_bytes(own_cache(content, slug).encode("utf-8"))
            ignore = effective_ignore(ignore_file, changes)
            if ignore is not None:
                # The copy is built with -f pointing at another name: the ignore file the
                # real build reads (the Dockerfile's own or the context's) becomes the copy's
                # .dockerignore, the only one every builder reads.
                (copy_dir / ".dockerignore").write_bytes(ignore.encode("utf-8"))
            copies[name] = (copy_dir, df, f"{tag}-{slug}")

        for name, content, changes in texts:
            copy(name, content, changes)

        def build(name: str, what: str, *, no_cache: bool = False) -> BuildRun:
            copy_dir, df, image = copies[name]
            say(f"building {name} ({what})...")
            t0 = time.perf_counter()
            run = builder.build(df, copy_dir, image, no_cache=no_cache)
            marks.append(mark(builder, image))
            say(f"  {'done' if run.ok else 'failed'} in {time.perf_counter() - t0:.1f} s")
            return run

        def read(name: str) -> ImageContents | None:
            """The image's files and settings, read now: later builds move the tag."""
            try:
                return image_contents(builder, copies[name][2], tmp / f"{name.replace(' ', '-')}.tar")
            except BuilderError as exc:
                unreadable[name] = str(exc)
                return None

        for name, _, _ in texts:
            side = sides[name]
            side.cold = build(name, "cold")
            if not side.cold.ok:
                if name != "before" and result.before.cold and result.before.cold.ok:
                    result.slimfix_bug = True
                    result.problem = f"the {'cache-mount ' if name == 'cache mounts' else ''}rewritten Dockerfile " \
                                     "failed to build where the original built"
                elif result.problem is None:
                    result.problem = f"the {name} build failed: {_last_error(side.cold.log_tail)}"
                continue
            side.image = name_copy_layers(builder.info(copies[name][2]), by_text[name][0])
            read_now = read(name)
            if read_now is not None:
                contents[name] = read_now
                result.waste[name] = wasted_bytes(read_now, side.image)
                if name == "before" and outcome is not None:
                    tie_waste_to_rules(result.waste[name], text, outcome.applied)
            if smoke:
                say(f"running the smoke command in {name}...")
                result.smoke_runs[name] = builder.run(copies[name][2], smoke)
        if result.problem is None and edit is not None:
            for name, _, _ in texts:
                copy_dir = copies[name][0]
                with open(copy_dir / edit, "ab") as fh:
                    fh.write(b"\n")
                sides[name].rebuild = build(name, f"after editing {edit}")
        elif edit is None and result.problem is None:
            result.notes.append("no whole-context COPY: a source edit invalidates nothing to compare")
        if result.problem is None and manifest is not None:
            for name, _, _ in texts:
                added = dependency_edit(copies[name][0] / manifest, dependency_line)
                result.dependency = f"{added} to {manifest}"
                sides[name].dependency = build(name, f"after adding {added} to {manifest}")
                if not sides[name].dependency.ok and result.problem is None:
                    result.problem = f"the {name} build failed after the dependency edit: " \
                                     f"{_last_error(sides[name].dependency.log_tail)}"
        elif dependency and manifest is None and result.problem is None:
            edited = {name: apt_dependency_edit(content) for name, content, _ in texts}
            if all(edited.values()):
                for name, _, _ in texts:
                    new_text, pkg = edited[name]
                    copies[name][1].write_bytes(own_cache(new_text, name.replace(" ", "-")).encode("utf-8"))
                    result.dependency = f"{pkg} to the apt-get install"
                    sides[name].dependency = build(name, f"after adding {pkg} to the apt-get install")
                    if not sides[name].dependency.ok and result.problem is None:
                        result.problem = f"the {name} build failed after the dependency edit: " \
                                         f"{_last_error(sides[name].dependency.log_tail)}"
            else:
                result.notes.append("no requirements.txt, package.json (without a lockfile) or apt-get install "
                                    "to add a dependency to")
        for name in unreadable:
            if name != "before":
                result.certificates[name] = Certificate(INCOMPLETE, problems=[unreadable[name]])
        if "before" in unreadable:
            for name, side in result.sides()[1:]:
                if side.image is not None and side is not result.before:
                    result.certificates[name] = Certificate(INCOMPLETE, problems=[unreadable["before"]])
        elif len(contents) > 1:
            noise = None
            if noise_build:
                copy("noise", text, [])
                if build("noise", "the original again, without its cache, to learn the build's own noise",
                         no_cache=True).ok:
                    noise = read("noise")
                else:
                    result.notes.append("the second build of the original failed: noise is the default list only")
            for name in contents:
                if name == "before":
                    continue
                codes = [] if against is not None else result.mount_fixes if name == "cache mounts" else result.fixes
                content, changes = by_text[name]
                result.certificates[name] = certify(contents["before"], contents[name], declared_effects(codes),
                                                    noise=noise, rewritten_text=content,
                                                    ignore_lines=added_ignore_lines(changes))
    except (OSError, BuilderError, ValueError) as exc:
        result.problem = str(exc)
    finally:
        if not keep:  # only what this run built, never an image built meanwhile by others
            builder.remove(created_by_us(builder, before_ids, marks))
        shutil.rmtree(tmp, ignore_errors=True)
    return result


SIDE_ARG = "SLIMFIX_VERIFY_SIDE"


def own_cache(text: str, side: str) -> str:
    """The Dockerfile with ``ARG SLIMFIX_VERIFY_SIDE=<side>`` after each FROM. Build
    arguments in scope enter every RUN's cache key (BuildKit and buildah alike), so each
    side reuses only the layers it built itself: a side never rebuilds "from cache" a step
    another side has just run. The argument never reaches the image's settings."""
    from ..syntax import ParseError, parse

    try:
        doc = parse(text)
    except ParseError:
        return text
    out, at = [], 0
    for inst in doc.instructions:
        if inst.keyword == "FROM":
            end = inst.span.end
            out.append(text[at:end])
            if not text[:end].endswith(("\n", "\r")):
                out.append("\n")
            out.append(f"ARG {SIDE_ARG}={side}\n")
            at = end
    out.append(text[at:])
    return "".join(out)


def effective_ignore(ignore_file: Path, changes) -> str | None:
    """The text of the ignore file a build reads, with the rewrite's change to it; None
    when there is none. A change is only ever written into verify's own copies."""
    for change in changes:
        if os.path.basename(str(change.path)).endswith(".dockerignore"):
            return change.after
    try:
        return ignore_file.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def image_contents(builder, tag: str, archive: Path) -> ImageContents:
    """The files and settings of image ``tag``, exported through ``archive`` (removed
    afterwards). BuilderError when the builder cannot export it."""
    builder.export(tag, archive)
    try:
        return read_image(archive)
    finally:
        archive.unlink(missing_ok=True)


def declared_effects(codes: list[str]) -> list[Declared]:
    """What the fired rules declared they would do to the image."""
    out = []
    for code in codes:
        rule = rule_by_code(code)
        if rule is not None and rule.effect is not None:
            out.append(Declared(code, rule.effect))
    return out


def added_ignore_lines(changes) -> list[str]:
    """The lines the rewrite adds to .dockerignore files."""
    out = []
    for change in changes:
        if os.path.basename(str(change.path)).endswith(".dockerignore"):
            had = set((change.before or "").splitlines())
            out += [line for line in change.after.splitlines() if line not in had]
    return out


def _last_error(log: str) -> str:
    lines = [line for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1].strip()[:200]


def _mb(n) -> str:
    return f"{n / 1e6:.1f} MB" if isinstance(n, int) else "-"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def _normal(instruction: str) -> str:
    """An instruction as the layer alignment compares it: without mounts, cleanups,
    no-cache options and comments."""
    text = re.sub(r"--mount=\S+\s*", "", instruction)
    text = re.sub(r"&&\s*rm -rf /var/lib/apt/lists/\*|rm -f /etc/apt/apt.conf.d/docker-clean\s*&&"
                  # SF601's set-aside of docker-clean (its trap puts it back)
                  r"|\{ \[ ! -e /etc/apt/apt\.conf\.d/docker-clean \] \|\| \{[^}]*\}; \}\s*&&"
                  r"|--no-cache-dir|--no-cache\b|--no-install-recommends|\s#\s.*$", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _align(a: list[Layer], b: list[Layer]) -> list[tuple[int | None, int | None]]:
    """Pairs of indexes of the layers of two images that the same step made (a rewrite may
    move steps: the most alike instructions are paired first), in the order of ``b``; the
    layers only ``a`` has come last."""
    na, nb = [_normal(x.instruction) for x in a], [_normal(x.instruction) for x in b]
    scored = sorted(((difflib.SequenceMatcher(None, x, y).ratio(), i, j) for i, x in enumerate(na)
                     for j, y in enumerate(nb)), key=lambda t: (-t[0], abs(t[1] - t[2]), t[1]))
    pair_a: dict[int, int] = {}
    pair_b: dict[int, int] = {}
    for ratio, i, j in scored:
        if ratio < 0.6:
            break
        if i not in pair_a and j not in pair_b:
            pair_a[i], pair_b[j] = j, i
    out: list[tuple[int | None, int | None]] = [(pair_b.get(j), j) for j in range(len(b))]
    return out + [(i, None) for i in range(len(a)) if i not in pair_a]


def layer_rows(images: list[ImageInfo]) -> list[tuple[str, ...]]:
    """Instruction and size in each image, the layers they share at the bottom (the base
    image) in one row."""
    if not images or any(not i.history for i in images):
        return []
    hist = [i.history for i in images]
    shared = 0
    while all(len(h) > shared for h in hist) and len({h[shared].digest for h in hist}) == 1 and hist[0][shared].digest:
        shared += 1
    rows: list[tuple[str, ...]] = []
    if shared:
        size = _mb(sum(layer.size for layer in hist[0][:shared]))
        rows.append((f"base image and layers all share ({shared})", *([size] * len(hist))))
    rest = [h[shared:] for h in hist]
    # align every image on the first one, then the third on the second
    first = _align(rest[0], rest[1])
    table: list[list[int | None]] = [[i, j] for i, j in first]
    for k in range(2, len(rest)):
        aligned = _align(rest[k - 1], rest[k])
        pairs = {j: m for j, m in aligned if j is not None}
        for row in table:
            row.append(pairs.get(row[k - 1]) if row[k - 1] is not None else None)
        table += [[None] * k + [m] for j, m in aligned if j is None and m is not None]
    for row in table:
        name = next(rest[k][i].instruction for k, i in enumerate(row) if i is not None)
        rows.append((name[:64] + ("..." if len(name) > 64 else ""),
                     *[_mb(rest[k][i].size) if i is not None else "-" for k, i in enumerate(row)]))
    return rows


_BUILDER_COPY = re.compile(r"^(COPY|ADD) (file|dir|multi)\b")


def name_copy_layers(image: ImageInfo, text: str) -> ImageInfo:
    """The image with its COPY and ADD layers named by the Dockerfile's own instructions
    (the builders' history says only "COPY file in ./"): the last COPY/ADD layers are the
    final stage's, and the stages it is built from, in order."""
    from ..analysis.stages import ancestors
    from ..syntax import ParseError, parse

    try:
        doc = parse(text)
    except ParseError:
        return image
    if not doc.stages or not image.history:
        return image
    chain = {s.index for s in ancestors(doc, doc.stages[-1])}
    copies = [" ".join(re.sub(r"\\\s*\n", " ", text[i.span.start:i.span.end]).split())
              for i in doc.instructions if i.stage in chain and i.keyword in ("COPY", "ADD")]
    layers = [k for k, layer in enumerate(image.history) if _BUILDER_COPY.match(layer.instruction)]
    if not copies or len(layers) < len(copies):
        return image
    history = list(image.history)
    for k, name in zip(layers[-len(copies):], copies):
        history[k] = replace(history[k], instruction=name)
    return replace(image, history=history)


def wasted_bytes(contents: ImageContents, image: ImageInfo | None) -> list[dict]:
    """The image's wasted bytes by the layers that ship and hide them, named by the
    instructions that made them where the builder's history says."""
    history = image.history if image is not None and len(image.history) == contents.layers else []

    def named(layer: int) -> str:
        return history[layer - 1].instruction if history else f"layer {layer}"

    rows = [{"shipped_by": named(shipped), "hidden_by": named(hidden), "how": how, "bytes": size}
            for (shipped, hidden, how), size in contents.waste.items()]
    return sorted(rows, key=lambda r: -r["bytes"])


_WASTE_RULES = ("SF701", "SF702", "SF703")


def _words(s: str) -> str:
    return " ".join(s.split())


def tie_waste_to_rules(rows: list[dict], text: str, applied) -> None:
    """Mark each row of the original's waste with the layer-waste rule (SF701-SF703) whose
    applied fix removes it: a row whose shipping or hiding layer was made by an instruction
    the fix rewrote (its text as the builder's history names the layer)."""
    from ..syntax import parse

    doc = parse(text)
    fixes = []
    for f in applied:
        if f.code in _WASTE_RULES:
            spanned = [i for i in doc.instructions if i.span.start < f.end and f.start < i.span.end]
            fixes.append((f.code, [_words(i.effective.args) for i in spanned if i.effective.args]))
    for row in rows:
        named = (_words(row["shipped_by"]), _words(row["hidden_by"]))
        for code, texts in fixes:
            if any(t in n for t in texts for n in named):
                row["removed_by"] = code
                break


def waste_lines(v: Verification) -> list[str]:
    if not v.waste:
        return []
    lines = ["", "wasted bytes (shipped in a layer, then deleted, overwritten or re-owned by a later one):"]
    for name, rows in v.waste.items():
        total = sum(r["bytes"] for r in rows)
        lines.append(f"  {name}: {_mb(total) if total else 'none'}")
        for r in rows[:5]:
            tied = f" (removed by {r['removed_by']})" if r.get("removed_by") else ""
            lines.append(f"    {_mb(r['bytes'])}: {r['shipped_by'][:50]} -> {r['how']} by {r['hidden_by'][:50]}{tied}")
    return lines


def smoke_lines(v: Verification) -> list[str]:
    """The smoke command's exit status and output in each image, against the original's."""
    if not v.smoke or "before" not in v.smoke_runs:
        return []
    first = v.smoke_runs["before"]
    lines = ["", f"smoke `{v.smoke}`:"]
    for name, run in v.smoke_runs.items():
        if run.status is None:
            lines.append(f"  {name}: could not run: {run.problem}")
            continue
        same = "" if name == "before" else \
            "same exit status and output" if (run.status, run.output) == (first.status, first.output) else \
            "DIFFERENT " + ("exit status" if run.status != first.status else "output")
        lines.append(f"  {name}: exit {run.status}" + (f"; {same}" if same else ""))
        if name != "before" and run.output != first.output:
            diff = difflib.unified_diff(first.output.splitlines(), run.output.splitlines(), "before", name, lineterm="")
            lines += ["    " + shown(line) for line in list(diff)[:40]]
    return lines


def render_table_rows(v: Verification) -> list[tuple[str, ...]]:
    """The comparison table: a header row, then size, layers and build times per side."""
    sides = v.sides()
    names = [n for n, _ in sides]
    two = len(sides) == 2
    rows: list[tuple[str, ...]] = [("", *names, *(["change"] if two else []))]

    def add(label: str, values: list, fmt, delta=None):
        if any(x is None for x in values):
            return
        row = [label, *[fmt(x) for x in values]]
        if two:
            row.append(delta(values[0], values[1]) if delta else "")
        rows.append(tuple(row))

    images = [s.image for _, s in sides]
    if all(images):
        add("image size", [i.size for i in images], _mb, lambda a, b: f"{(b - a) / 1e6:+.1f} MB")
        if all(i.compressed is not None for i in images):
            add("compressed", [i.compressed for i in images], _mb, lambda a, b: f"{(b - a) / 1e6:+.1f} MB")
        add("layers", [i.layers for i in images], str, lambda a, b: f"{b - a:+d}")
    seconds = lambda x: f"{x:.1f} s"  # noqa: E731
    dsec = lambda a, b: f"{b - a:+.1f} s"  # noqa: E731
    colds = [s.cold for _, s in sides]
    if all(c is not None and c.ok for c in colds):
        add("cold build", [c.seconds for c in colds], seconds, dsec)
    for label, runs in ((f"rebuild after editing {v.edited}", [s.rebuild for _, s in sides]),
                        (f"rebuild after adding {v.dependency}", [s.dependency for _, s in sides])):
        if all(r is not None for r in runs):
            add(label, [r.seconds for r in runs], seconds, dsec)
            add("  steps re-run (RUN, COPY, ADD)", [len(r.ran) for r in runs], str, lambda a, b: f"{b - a:+d}")
    return rows


def render_text(v: Verification) -> str:
    head = f"{v.dockerfile}: built with {v.builder}; fixes applied: {', '.join(v.fixes) or 'none'}"
    if v.mounts is not None or v.mount_fixes:
        head += f"; with cache mounts: {', '.join(v.mount_fixes) or 'none'}"
    lines = [head]
    if v.slimfix_bug:
        broken = v.mounts if v.mounts is not None and v.mounts.cold and not v.mounts.cold.ok else v.after
        lines.append("SLIMFIX BUG: the rewritten Dockerfile failed to build where the original built.")
        lines.append("Please report it, with this log:")
        lines.append(broken.cold.log_tail if broken.cold else "")
        return "\n".join(lines) + "\n"
    sides = v.sides()
    names = [n for n, _ in sides]
    images = [s.image for _, s in sides]
    rows = render_table_rows(v)
    if len(rows) > 1:
        lines += _table(rows)
    for label, attr in (("source edit", "rebuild"), ("dependency edit", "dependency")):
        runs = [(n, getattr(s, attr)) for n, s in sides]
        if all(r is not None for _, r in runs):
            for n, r in runs:
                lines.append(f"re-run after the {label}, {n}: {'; '.join(x[:50] for x in r.ran) or 'nothing'}")
    if v.mounts is not None and v.after.dependency and v.mounts.dependency and v.mounts.dependency.seconds > 0:
        lines.append(f"the dependency edit rebuilds {v.after.dependency.seconds / v.mounts.dependency.seconds:.1f}x "
                     "faster with cache mounts than with the rewrite alone")
    layer_table = layer_rows([i for i in images if i is not None]) if all(images) else []
    if layer_table:
        lines.append("")
        lines.append("where the bytes are (uncompressed size of each layer, as `docker image history` shows):")
        lines += _table([("layer made by", *names), *layer_table])
    for name, side in sides:
        if side.cold and not side.cold.ok:
            lines.append(f"the {name} build failed; its log ends with:\n{side.cold.log_tail}")
    lines += waste_lines(v)
    lines += smoke_lines(v)
    for name, cert in v.certificates.items():
        lines.append("")
        lines += certificate_lines(name, cert)
    for note in v.notes:
        lines.append(f"note: {note}")
    if v.problem:
        lines.append(f"note: {v.problem}")
    return "\n".join(lines) + "\n"
