"""Real applications built before and after slimfix, with buildah: does a rewrite ever break a build?

    . ../shared/tools/image-lab/env.sh && bench/realbuilds/standins.sh   # once: the stand-in bases
    python bench/realbuilds/run.py [--apps bench/realbuilds/apps.txt] [--mirrors /work/.mirror]
                                   [--only SUBSTRING] [--results out.jsonl] [--markdown docs/images.md]

Each line of the apps file names a public repository, an application directory in it (the build
context) and optionally the Dockerfile inside it. The repositories must have been fetched first
(the session's fetch tool puts them under ``<mirrors>/<owner>+<name>/repo``, as bare git
directories); nothing fetched is ever written into this repository.

For every application the directory is extracted into a temporary folder and three Dockerfiles are
made: the original, ``slimfix --write`` (safe fixes) and ``slimfix --write --unsafe-fixes``
(together with the ``.dockerignore`` they write). Base images are swapped for the stand-ins that
standins.sh builds (python, node, golang, debian; full and -slim kept apart, so that a swap to
-slim meets the same missing tools it would meet for real) in all three alike. Each distinct
Dockerfile is built; then one source file that only the context copy brings in gets a line
appended and each is rebuilt. Printed per application: whether the original and each rewrite
built (a rewrite that fails where the original built is the defect this benchmark exists to
find), image size, the rebuild after the source edit and how many RUN/COPY/ADD steps it re-ran.
Results are appended to ``--results`` as they come, so a long run can be resumed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from slimfix.engine import fix_document  # noqa: E402
from slimfix.fixes import Applicability  # noqa: E402
from slimfix.imagelab.builders import Buildah, parse_step_log  # noqa: E402
from slimfix.imagelab.certificate import certify  # noqa: E402
from slimfix.imagelab.contents import ImageContents  # noqa: E402
from slimfix.imagelab.verify import added_ignore_lines, declared_effects, pick_edit_file  # noqa: E402
from slimfix.imagelab.verify import image_contents as exported_contents  # noqa: E402
from slimfix.rules import select_rules  # noqa: E402

from extract import extract  # noqa: E402  (bench/realbuilds/extract.py)

sys.path.insert(0, str(ROOT / "bench"))
from markdown_block import splice  # noqa: E402

TIERS = ("safe", "unsafe", "cache")
# tier -> (rule selection, fix threshold): `--write`, `--write --unsafe-fixes`, and
# `--write --unsafe-fixes --select ALL,SF6` (the cache mounts, which buildah runs too).
TIER_SETTINGS = {"safe": (None, Applicability.SAFE), "unsafe": (None, Applicability.UNSAFE),
                 "cache": (["ALL", "SF6"], Applicability.UNSAFE)}

# Official image -> stand-in (standins.sh). Order matters: the first match wins. Alpine and
# other distributions have no stand-in: their apk/yum steps could not be judged here.
STANDINS = [
    (r"python:[^\s@]*alpine[^\s@]*", None),
    (r"python:[^\s@]*slim[^\s@]*", "python:3.11-slim"),
    (r"python(:[^\s@]*)?", "python:3.11"),
    (r"node:[^\s@]*alpine[^\s@]*", None),
    (r"node:[^\s@]*slim[^\s@]*", "node:18-slim"),
    (r"node(:[^\s@]*)?", "node:18"),
    (r"golang:[^\s@]*alpine[^\s@]*", None),
    (r"golang(:[^\s@]*)?", "golang:1.19"),
    (r"debian(:[^\s@]*)?", "debian:bookworm-slim"),
    # No Ubuntu archive is reachable here: Ubuntu bases are judged on Debian's (same apt,
    # same docker-clean; package names mostly shared, and a name Debian lacks fails both sides).
    (r"ubuntu(:[^\s@]*)?", "debian:bookworm-slim"),
    (r"buildpack-deps(:[^\s@]*)?", "buildpack-deps:bookworm"),
    (r"ghcr\.io/astral-sh/uv:[^\s@]*", "localhost/uv-standin"),
]
_PREFIX = r"(?:(?:docker\.io|mirror\.gcr\.io)/)?(?:library/)?"
_FROM = re.compile(r"(?im)^(\s*FROM\s+(?:--\S+\s+)*)(\S+)")
_COPY_FROM = re.compile(r"(?i)(--from=)(\S+)")


@dataclass
class App:
    repo: str  # owner/name
    context: str  # the application directory inside the repository
    dockerfile: str = "Dockerfile"  # inside the context

    @property
    def name(self) -> str:
        return f"{self.repo}/{self.context}".rstrip("/.")


def load_apps(path: Path) -> list[App]:
    apps = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            apps.append(App(*line.split()))
    return apps


def standin(image: str, stages: set[str]) -> str | None:
    """The stand-in for ``image``; the image itself for a stage name or an ARG; None: none."""
    if image.lower() in stages or "$" in image or image == "scratch":
        return image
    for pattern, target in STANDINS:
        if re.fullmatch(_PREFIX + pattern, image):
            return target
    return None


def map_bases(text: str) -> tuple[str, list[str]]:
    """The Dockerfile with every base swapped for its stand-in, and the bases that have none."""
    stages = {m.group(1).lower() for m in re.finditer(r"(?im)^\s*FROM\s+.*?\s+AS\s+(\S+)", text)}
    missing: list[str] = []

    def swap(m: re.Match) -> str:
        target = standin(m.group(2), stages)
        if target is None:
            missing.append(m.group(2))
            return m.group(0)
        return m.group(1) + target

    text = _FROM.sub(swap, text)
    text = _COPY_FROM.sub(lambda m: swap(m) if "/" in m.group(2) or ":" in m.group(2) else m.group(0), text)
    return text, missing


def rewrites(text: str, context: Path, dockerfile: Path) -> dict[str, tuple[str, list, list[str]]]:
    """tier -> (Dockerfile text, file changes, fix codes)."""
    out = {}
    for tier in TIERS:
        selection, threshold = TIER_SETTINGS[tier]
        result = fix_document(text, select_rules(selection), threshold=threshold, path=dockerfile,
                              context_dir=context)
        out[tier] = (result.output, result.file_changes, sorted({f.code for f in result.applied}))
    return out


def build(dockerfile: Path, context: Path, tag: str, timeout: float, no_cache: bool = False) -> dict:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["buildah", "bud", "--layers", "--pull=never", *(["--no-cache"] if no_cache else []),
                               "-f", str(dockerfile), "-t", tag, str(context)],
                              capture_output=True, text=True, timeout=timeout)
        log, ok = proc.stdout + "\n" + proc.stderr, proc.returncode == 0
    except subprocess.TimeoutExpired as exc:
        log, ok = f"{exc.stdout or ''}\ntimed out after {timeout:.0f} s", False
    seconds = time.perf_counter() - t0
    _, ran = parse_step_log(log)
    return {"ok": ok, "seconds": round(seconds, 2), "ran": len(ran), "error": None if ok else last_error(log)}


def last_error(log: str) -> str:
    """The builder's own cause line (the failing step) and, before it, what the step printed."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    hits = [ln for ln in lines if re.search(r"error|Error|ERROR|failed|not found|No such|timed out", ln)]
    step = next((ln for ln in reversed(hits) if ln.startswith("Error: ")), None)
    cause = next((ln for ln in reversed(hits) if not ln.startswith(("Error: ", "subprocess exited"))), None)
    text = " / ".join(x for x in (cause, step) if x) or (lines[-1] if lines else "")
    text = re.sub(r"\S*/realbuilds-[^/\s]+/[\w-]+", "<context>", text)  # the same for every run
    return text[:240]


def image_size(tag: str) -> int | None:
    try:
        return Buildah().info(tag).size
    except Exception:  # an image the builder cannot describe has no size to report
        return None


def _dockerfile(ctx: Path) -> Path:
    """Where a side's Dockerfile is written: beside its context, not in it, so that a
    `COPY . .` brings the same (original) files into every side, as `slimfix verify` does."""
    return ctx.with_name(ctx.name + ".Dockerfile")


def image_contents(tag: str, folder: Path) -> ImageContents:
    """The image's files and settings (exported now: a later build moves the tag)."""
    try:
        return exported_contents(Buildah(), tag, folder / "image.tar")
    except Exception as exc:  # an image the builder cannot export is a problem of the certificate
        return ImageContents(problems=[f"export failed: {exc}"])


def certificate_row(before: ImageContents, after: ImageContents, codes: list[str], text: str, changes,
                    noise: ImageContents | None) -> dict:
    cert = certify(before, after, declared_effects(codes), noise=noise, rewritten_text=text,
                   ignore_lines=added_ignore_lines(changes))
    unexplained = [f"{d.describe()} {d.path}" for d in cert.unexplained.differences]
    unexplained += [f"setting {s.name}" for s in cert.unexplained.settings]
    return {"verdict": cert.verdict, "passed": cert.passed, "problems": cert.problems[:5],
            "explained": {code: sum(g.bytes for g in cert.explained if g.code == code)
                          for code in dict.fromkeys(g.code for g in cert.explained)},
            "noise": sum(len(g.differences) for g in cert.noise),
            "unexplained_count": len(unexplained), "unexplained": unexplained[:20]}


def measure(app: App, mirrors: Path, timeout: float, noise_build: bool = True) -> dict:
    row: dict = {"app": app.name, "tiers": list(TIERS)}
    with tempfile.TemporaryDirectory(prefix="realbuilds-") as tmp:
        src = Path(tmp) / "src"
        problem = extract(mirrors, app.repo, app.context, src)
        if problem:
            return row | {"verdict": "skipped", "why": problem}
        original = (src / app.dockerfile).read_bytes().decode("utf-8")
        try:
            tiers = rewrites(original, src, src / app.dockerfile)
        except Exception as exc:  # a parse error or a refused fix: nothing to build
            return row | {"verdict": "skipped", "why": f"slimfix: {exc}"}
        row["fixes"] = {tier: tiers[tier][2] for tier in TIERS}
        texts = {"before": (original, [])} | {tier: tiers[tier][:2] for tier in TIERS}
        if all(texts[t][0] == original for t in TIERS):
            return row | {"verdict": "unchanged"}
        mapped = {}
        for name, (text, _) in texts.items():
            mapped[name], missing = map_bases(text)
            if missing:
                return row | {"verdict": "skipped", "why": f"no stand-in for {', '.join(sorted(set(missing)))}"}
        edit = pick_edit_file(original, src, src / app.dockerfile)
        row["edited"] = edit
        distinct: dict[str, str] = {}  # tier -> the earlier side it is identical to
        copies = {}
        for name, (text, changes) in texts.items():
            same = next((n for n in copies if mapped[n] == mapped[name] and texts[n][1] == changes), None)
            if same:
                distinct[name] = same
                continue
            ctx = Path(tmp) / name
            shutil.copytree(src, ctx, symlinks=True)
            for change in changes:
                (ctx / os.path.relpath(change.path, src)).write_bytes(change.after.encode("utf-8"))
            _dockerfile(ctx).write_text(mapped[name])
            copies[name] = ctx
        tags = {name: f"localhost/realbuilds-{name}" for name in copies}
        sides: dict[str, dict] = {}
        contents: dict[str, ImageContents] = {}
        for name, ctx in copies.items():
            print(f"  building {name} ...", file=sys.stderr, flush=True)
            side = {"cold": build(_dockerfile(ctx), ctx, tags[name], timeout)}
            side["size"] = image_size(tags[name]) if side["cold"]["ok"] else None
            if side["cold"]["ok"]:
                contents[name] = image_contents(tags[name], Path(tmp))
            sides[name] = side
        if "before" in contents and len(contents) > 1:
            noise = None
            if noise_build:  # the original once more, without its cache: what differs from build to build
                ctx = Path(tmp) / "noise"
                shutil.copytree(src, ctx, symlinks=True)
                _dockerfile(ctx).write_text(mapped["before"])
                tags["noise"] = "localhost/realbuilds-noise"
                print("  building the original again, without its cache ...", file=sys.stderr, flush=True)
                again = build(_dockerfile(ctx), ctx, tags["noise"], timeout, no_cache=True)
                noise = image_contents(tags["noise"], Path(tmp)) if again["ok"] else None
            for name in contents:
                if name != "before":
                    sides[name]["certificate"] = certificate_row(contents["before"], contents[name],
                                                                 tiers[name][2], mapped[name], texts[name][1], noise)
        if edit:
            for name, ctx in copies.items():
                if sides[name]["cold"]["ok"]:
                    with open(ctx / edit, "ab") as fh:
                        fh.write(b"\n")
                    sides[name]["rebuild"] = build(_dockerfile(ctx), ctx, tags[name], timeout)
        for name, same in distinct.items():
            sides[name] = {"same_as": same}
        row["sides"] = sides
        cleanup(list(tags.values()))
    row.update(judge(sides))
    return row


def resolved(sides: dict, name: str) -> dict:
    """The figures of side ``name``: its own, or those of the identical side it was not built apart from."""
    side = sides.get(name, {})
    return resolved(sides, side["same_as"]) if "same_as" in side else side


def judge(sides: dict) -> dict:
    def ok(name):
        return resolved(sides, name)["cold"]["ok"]

    def error(name):
        return resolved(sides, name)["cold"]["error"]

    if ok("before"):
        broke = [t for t in TIERS if not ok(t)]
        if broke:
            return {"verdict": "BROKE", "why": "; ".join(f"{t}: {error(t)}" for t in broke)}
        return {"verdict": "built"}
    if any(ok(t) for t in TIERS):
        return {"verdict": "fixed", "why": f"the original fails ({error('before')}); a rewrite builds"}
    return {"verdict": "failed both", "why": error("before")}


def cleanup(tags: list[str]) -> None:
    subprocess.run(["buildah", "rmi", "-f", *tags], capture_output=True)
    subprocess.run(["buildah", "rmi", "--prune", "-f"], capture_output=True)


def _mb(n) -> str:
    return "" if n is None else f"{n / 1e6:.0f}"


def render(rows: list[dict]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    lines = [f"| application | fixes ({' / '.join(TIERS)}) | verdict | MB before | "
             + " | ".join(f"MB {t}" for t in TIERS) + " | rebuild before | "
             + " | ".join(f"rebuild {t}" for t in TIERS) + " | "
             + " | ".join(f"certificate {t}" for t in TIERS) + " |",
             "|" + "---|" * (5 + 3 * len(TIERS))]
    for r in rows:
        if r["verdict"] in ("skipped", "unchanged"):
            continue
        sides = r.get("sides", {})

        def side(name):
            return resolved(sides, name)

        def rebuild(name):
            rb = side(name).get("rebuild")
            return "" if not rb else f"{rb['seconds']:.1f} s ({rb['ran']} re-ran)" if rb["ok"] else "failed"

        fixes = " / ".join(",".join(c.replace("SF", "") for c in r["fixes"][t]) or "-" if t in r["fixes"]
                           else "not run" for t in TIERS)
        why = re.sub(r"\S*/realbuilds-[^/\s]+/[\w-]+", "<context>", r.get("why") or "")
        verdict = r["verdict"] + (f": {why}" if why and r["verdict"] != "built" else "")
        lines.append(f"| {r['app']} | {fixes} | {verdict} | " + " | ".join(_mb(side(n).get("size")) for n in
                     ("before", *TIERS)) + " | " + " | ".join(rebuild(n) for n in ("before", *TIERS)) + " | "
                     + " | ".join(certificate_cell(side(n).get("certificate")) for n in TIERS) + " |")
    summary = ", ".join(f"{v}: {n}" for v, n in sorted(counts.items()))
    certified = []
    for tier in TIERS:
        certs = [resolved(r.get("sides", {}), tier).get("certificate") for r in rows if r.get("sides")]
        certs = [c for c in certs if c]
        certified.append(f"{tier}: {len(certs)} certificates, {sum(1 for c in certs if c['passed'])} passed, "
                         f"{sum(c['unexplained_count'] for c in certs)} unexplained differences")
    return (f"{len(rows)} applications ({summary}); " + "; ".join(certified) + "\n\n"
            + "\n".join(lines) + "\n")


def certificate_cell(cert: dict | None) -> str:
    if not cert:
        return ""
    if cert["passed"]:
        return "same" + (f" except {', '.join(c.replace('SF', '') for c in cert['explained'])}" if cert["explained"] else "")
    if cert["unexplained_count"]:
        return f"{cert['unexplained_count']} unexplained: " + "; ".join(cert["unexplained"][:2])
    return "incomplete: " + "; ".join(cert["problems"][:1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--apps", type=Path, default=Path(__file__).with_name("apps.txt"))
    p.add_argument("--mirrors", type=Path, default=Path(os.environ.get("REALBUILDS_MIRRORS", "/work/.mirror")))
    p.add_argument("--only", help="only the applications whose name contains this")
    p.add_argument("--results", type=Path, help="JSON lines, appended as results come; those present are kept")
    p.add_argument("--markdown", type=Path, help="write the table into this file (between realbuilds markers)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per build")
    p.add_argument("--no-noise-build", action="store_true",
                   help="do not build the original a second time to learn the build's noise")
    p.add_argument("--render-only", action="store_true",
                   help="build nothing: the table of the applications already in --results")
    args = p.parse_args(argv)
    if args.render_only:
        if not args.results or not args.results.exists():
            p.error("--render-only needs --results with measured applications")
    elif shutil.which("buildah") is None:
        p.error("buildah is not installed (see ../shared/design/IMAGE-LAB.md)")
    known = None if args.render_only else \
        subprocess.run(["buildah", "inspect", "--type", "image", "node:18-slim"], capture_output=True)
    if known is not None and known.returncode != 0:  # the lab's storage is chosen by env.sh, not by buildah's defaults
        p.error("the stand-in bases are not there: run `. ../shared/tools/image-lab/env.sh` "
                "and bench/realbuilds/standins.sh first")
    done: dict[str, dict] = {}
    if args.results and args.results.exists():
        done = {r["app"]: r for r in map(json.loads, args.results.read_text().splitlines())}
    rows = []
    for app in load_apps(args.apps):
        if args.only and args.only not in app.name:
            continue
        if app.name in done and done[app.name].get("tiers") == list(TIERS):  # else measured with fewer tiers
            rows.append(done[app.name])
            continue
        if args.render_only:
            continue
        print(f"{app.name}:", file=sys.stderr, flush=True)
        row = measure(app, args.mirrors, args.timeout, noise_build=not args.no_noise_build)
        print(f"  {row['verdict']}{': ' + row['why'] if row.get('why') else ''}", file=sys.stderr, flush=True)
        rows.append(row)
        if args.results:
            with args.results.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    table = render(rows)
    print(table)
    if args.markdown:
        command = "python bench/realbuilds/run.py" + (f" --only {args.only}" if args.only else "") + \
            (f" ({len(rows)} of the {len(load_apps(args.apps))} applications of apps.txt measured)"
             if args.render_only else "")
        splice(args.markdown, "realbuilds", f"Measured with `{command}`:\n\n{table}",
               heading="## Real applications, before and after")
    uncertified_safe = [r["app"] for r in rows if (c := resolved(r.get("sides", {}), "safe").get("certificate"))
                        and not c["passed"]]
    return 1 if any(r["verdict"] == "BROKE" for r in rows) or uncertified_safe else 0


if __name__ == "__main__":
    sys.exit(main())
