"""`slimfix verify`: builder log parsing, and a hermetic build with buildah.

The integration test builds a tiny base image (FROM scratch with Debian's static
busybox, and fakes of apt-get and pip that write known byte counts) in a private
container storage, then verifies fixtures/verify/project: the saving must be exactly the
5 MiB of apt lists plus the 2 MiB of pip cache, and after editing app.sh the rewritten
image must not run pip again. It needs root, buildah and busybox-static (.ci/run installs
them); elsewhere it is skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES

from slimfix.imagelab.builders import Buildah, parse_buildkit_log, parse_step_log
from slimfix.imagelab.verify import pick_edit_file, render_text, verify

MiB = 1 << 20


def test_buildah_log():
    log = ("STEP 1/4: FROM localhost/base\nSTEP 2/4: WORKDIR /app\n--> Using cache 1a2b\n--> 1a2b\n"
           "STEP 3/4: COPY . .\n--> 3c4d\nSTEP 4/4: RUN pip install -r requirements.txt\n--> Using cache 5e6f\n")
    steps, ran = parse_step_log(log)
    assert steps == ["FROM localhost/base", "WORKDIR /app", "COPY . .", "RUN pip install -r requirements.txt"]
    assert ran == ["COPY . ."]


def test_buildkit_log():
    log = ("#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n"
           "#5 [1/3] FROM docker.io/library/python:3.12-slim@sha256:abc\n#5 DONE 0.1s\n"
           "#6 [2/3] COPY requirements.txt ./\n#6 CACHED\n"
           "#7 [3/3] RUN pip install -r requirements.txt\n#7 0.512 Collecting flask\n#7 DONE 3.2s\n")
    steps, ran = parse_buildkit_log(log)
    assert steps[1:] == ["COPY requirements.txt ./", "RUN pip install -r requirements.txt"]
    assert ran == ["RUN pip install -r requirements.txt"]


def test_edit_file_is_a_source_only_the_context_copy_brings_in(tmp_path):
    (tmp_path / "requirements.txt").write_text("x\n")
    (tmp_path / "conf.ini").write_text("x\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("x\n")
    (tmp_path / "secret.py").write_text("x\n")
    (tmp_path / ".dockerignore").write_text("secret.py\n")
    text = "FROM python\nCOPY conf.ini /etc/\nCOPY . /app\n"
    assert pick_edit_file(text, tmp_path, tmp_path / "Dockerfile") == "src/main.py"
    assert pick_edit_file("FROM python\nCOPY src /app\n", tmp_path, tmp_path / "Dockerfile") is None


def _why_not() -> str | None:
    if os.name != "posix" or os.geteuid() != 0:
        return "needs root (buildah builds with chroot isolation)"
    if shutil.which("buildah") is None:
        return "buildah is not installed (.ci/run installs it with apt-get)"
    if not _static_elf(Path("/bin/busybox")):
        return "a static busybox is not installed (apt-get install busybox-static)"
    return None


def _static_elf(path: Path) -> bool:
    """A 64-bit little-endian ELF file without an interpreter (PT_INTERP): static."""
    import struct

    try:
        data = path.read_bytes()
    except OSError:
        return False
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    why = _why_not()
    if why:
        pytest.skip(why)
    root = tmp_path_factory.mktemp("lab")
    (root / "conf").mkdir()
    (root / "conf" / "storage.conf").write_text(
        f'[storage]\ndriver = "vfs"\ngraphroot = "{root}/graph"\nrunroot = "{root}/run"\n')
    (root / "conf" / "registries.conf").write_text('unqualified-search-registries = []\nshort-name-mode = "permissive"\n')
    (root / "tmp").mkdir()
    env = {**os.environ, "CONTAINERS_STORAGE_CONF": f"{root}/conf/storage.conf",
           "CONTAINERS_REGISTRIES_CONF": f"{root}/conf/registries.conf", "BUILDAH_ISOLATION": "chroot",
           "TMPDIR": f"{root}/tmp"}
    base = root / "tinybase"
    shutil.copytree(FIXTURES / "verify" / "tinybase", base)
    shutil.copy2("/bin/busybox", base / "busybox")
    proc = subprocess.run(["buildah", "bud", "--layers", "-t", "localhost/slimfix-tinybase:test", str(base)],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    yield env
    subprocess.run(["buildah", "rmi", "-a", "-f"], env=env, capture_output=True)


def test_verify_measures_the_exact_saving(lab, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "project", project)
    before_text = (project / "Dockerfile").read_text()
    builder = Buildah(lab)
    images_before = builder.image_ids()
    result = verify(project / "Dockerfile", project, builder)
    assert result.problem is None, result.problem
    assert {"SF101", "SF102", "SF201", "SF301"} <= set(result.fixes)
    saved = result.before.image.size - result.after.image.size
    # 5 MiB of apt lists and 2 MiB of pip cache, give or take tar headers
    assert abs(saved - 7 * MiB) < 64 * 1024, saved
    assert result.edited == "app.sh"
    assert any("pip install" in s for s in result.before.rebuild.ran)
    assert not any("pip install" in s for s in result.after.rebuild.ran)
    assert (project / "Dockerfile").read_text() == before_text  # the user's files are untouched
    assert builder.image_ids() == images_before  # everything built was removed


def test_verify_reports_a_rewrite_that_breaks_the_build(lab, tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "project", project)
    import slimfix.imagelab.verify as v

    real = v.fix_document

    def broken(*args, **kwargs):
        out = real(*args, **kwargs)
        out.output = out.output.replace("requirements.txt ./", "missing.txt ./")
        return out

    monkeypatch.setattr(v, "fix_document", broken)
    result = verify(project / "Dockerfile", project, Buildah(lab))
    assert result.slimfix_bug and "failed to build where the original built" in result.problem
    assert v.render_text(result).startswith(f"{project / 'Dockerfile'}: built with buildah")
    assert "SLIMFIX BUG" in v.render_text(result)


def test_pick_edit_file_reads_dot_slash_sources_as_paths(tmp_path):
    # `./.env` is the file `.env` (not `env`): it is named by a COPY, so never the one edited
    (tmp_path / ".env").write_text("A=1\n")
    (tmp_path / "env").write_text("x\n")
    text = "FROM python\nWORKDIR /app\nCOPY ./.env ./\nCOPY . .\n"
    assert pick_edit_file(text, tmp_path, tmp_path / "Dockerfile") == "env"


def test_verify_split_go_image(lab, tmp_path):
    """SF502's split: the build stage on a golang stand-in (the hermetic base plus a fake
    `go` and 4 MiB of toolchain), the runtime stage on the hermetic base tagged as distroless.
    Both images build, the toolchain stays behind, and the rewritten image starts its program."""
    from slimfix.rules import select_rules

    gobase = tmp_path / "gobase"
    shutil.copytree(FIXTURES / "verify" / "gobase", gobase)
    proc = subprocess.run(["buildah", "bud", "--layers", "-t", "docker.io/library/golang:1.19-bookworm",
                           str(gobase)], env=lab, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    subprocess.run(["buildah", "tag", "localhost/slimfix-tinybase:test", "gcr.io/distroless/static-debian12"],
                   env=lab, check=True, capture_output=True)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "go-split", project)
    builder = Buildah(lab)
    before_ids = builder.image_ids()
    result = verify(project / "Dockerfile", project, builder, unsafe_fixes=True, keep=True,
                    rules=select_rules(["SF502"]))
    try:
        assert result.problem is None, result.problem
        assert result.fixes == ["SF502"]
        saved = result.before.image.size - result.after.image.size
        assert saved > 4 * MiB, saved  # the toolchain stand-in is not in the runtime image
        tags = subprocess.run(["buildah", "images", "--format", "{{.Name}}:{{.Tag}}"], env=lab,
                              capture_output=True, text=True).stdout.split()
        after = next(t for t in tags if t.startswith("localhost/slimfix-verify-") and t.endswith("-after:latest"))
        ctr = subprocess.run(["buildah", "from", after], env=lab, capture_output=True, text=True).stdout.strip()
        run = subprocess.run(["buildah", "run", ctr, "--", "hello"], env=lab, capture_output=True, text=True)
        subprocess.run(["buildah", "rm", ctr], env=lab, capture_output=True)
        assert run.stdout.strip() == "hello from the runtime stage", run.stderr
    finally:
        builder.remove(builder.image_ids() - before_ids)


def test_cache_mount_build_keeps_the_cache_out_of_the_layer(lab, tmp_path):
    """With SF6 selected verify builds a third image whose RUNs mount apt's and pip's caches:
    it builds, the fakes' 5 MiB of lists and 2 MiB of pip cache land in the mounts (on the
    build machine), none of it in the image, which is no larger than the slim rewrite."""
    from slimfix.rules import select_rules

    project = tmp_path / "mounts"
    shutil.copytree(FIXTURES / "verify" / "mounts", project)
    builder = Buildah(lab)
    images = builder.image_ids()
    result = verify(project / "Dockerfile", project, builder, rules=select_rules(["ALL", "SF6"]), keep=True)
    assert result.problem is None, result.problem
    assert {"SF601", "SF602"} <= set(result.mount_fixes) and not {"SF601", "SF602"} & set(result.fixes)
    assert result.mounts is not None and result.mounts.cold.ok
    before, after, mounts = result.before.image, result.after.image, result.mounts.image
    assert abs((before.size - after.size) - 7 * MiB) < 64 * 1024
    assert mounts.size <= after.size + 64 * 1024, (mounts.size, after.size)
    # the image has no cache files: look inside it
    tag = next(t for t in _tags(lab) if t.endswith("-cache-mounts:latest"))
    ctr = subprocess.run(["buildah", "from", "--pull=never", tag], env=lab, capture_output=True, text=True)
    assert ctr.returncode == 0, ctr.stderr
    name = ctr.stdout.strip()
    try:
        root = Path(subprocess.run(["buildah", "mount", name], env=lab, capture_output=True, text=True,
                                   check=True).stdout.strip())
        assert not (root / "root" / ".cache" / "pip" / "wheels").exists()
        assert not list((root / "var" / "lib" / "apt" / "lists").glob("*")) if (
            root / "var" / "lib" / "apt" / "lists").exists() else True
        assert (root / "usr" / "share" / "fake" / "curl").exists()  # the install itself is in the image
    finally:
        subprocess.run(["buildah", "rm", name], env=lab, capture_output=True)
    # ... and the cache is on the build machine, for the next build
    caches = [p for p in Path(lab["TMPDIR"]).rglob("*") if p.name in ("wheels", "fake_Packages")]
    assert {p.name for p in caches} == {"wheels", "fake_Packages"}
    # the dependency edit re-ran pip in every image; only RUN/COPY/ADD steps are counted
    assert result.dependency == "six to requirements.txt"
    for _, side in result.sides():
        assert any("pip install" in s for s in side.dependency.ran)
        assert all(s.split()[0] in ("RUN", "COPY", "ADD") for s in side.dependency.ran + side.rebuild.ran)
    text = render_text(result)
    print(text)
    assert "cache mounts" in text and "where the bytes are" in text
    builder.remove(builder.image_ids() - images)


def _tags(env) -> list[str]:
    proc = subprocess.run(["buildah", "images", "--format", "{{.Name}}:{{.Tag}}"], env=env, capture_output=True,
                          text=True)
    return proc.stdout.split()


def test_nothing_to_compare_prints_no_table(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY a /a\n")
    (tmp_path / "a").write_text("x\n")

    class NoBuilder:
        name = "none"

    result = verify(tmp_path / "Dockerfile", tmp_path, NoBuilder())
    out = render_text(result)
    assert "nothing to compare" in out and len(out.strip().splitlines()) == 2, out


def test_dependency_edit_adds_a_line_or_an_entry(tmp_path):
    from slimfix.imagelab.verify import dependency_edit, pick_manifest

    (tmp_path / "requirements.txt").write_text("six==1.16.0\nflask")
    assert pick_manifest("RUN pip install -r requirements.txt", tmp_path) == "requirements.txt"
    assert dependency_edit(tmp_path / "requirements.txt") == "idna"
    assert (tmp_path / "requirements.txt").read_text() == "six==1.16.0\nflask\nidna\n"
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "package.json").write_text('{"name": "x", "dependencies": {"ms": "2"}}')
    assert pick_manifest("RUN npm install", tmp_path) == "package.json"
    assert dependency_edit(tmp_path / "package.json") == "is-number@^7.0.0"
    (tmp_path / "package-lock.json").write_text("{}")
    assert pick_manifest("RUN npm ci", tmp_path) is None  # npm ci would refuse the stale lockfile


def test_only_filesystem_steps_count_as_re_run():
    log = ("STEP 1/4: FROM localhost/base\nSTEP 2/4: ENV A=1\nSTEP 3/4: COPY . .\nSTEP 4/4: CMD [\"x\"]\n")
    assert parse_step_log(log)[1] == ["COPY . ."]


def test_multi_stage_buildah_log():
    log = ("[1/2] STEP 1/3: FROM golang AS build\n[1/2] STEP 2/3: COPY . .\n--> 1a2b\n"
           "[1/2] STEP 3/3: RUN go build -o /out/app .\n--> Using cache 3c4d\n"
           "[2/2] STEP 1/2: FROM debian\n[2/2] STEP 2/2: COPY --from=build /out/app /app\n--> 5e6f\n")
    assert parse_step_log(log)[1] == ["COPY . .", "COPY --from=build /out/app /app"]


def test_a_rewrite_identical_to_the_original_is_not_built_twice(tmp_path):
    """Built twice, the second build of the same Dockerfile is all layer cache: the rewrite's
    rebuild would come out as a no-op. It shares the original's figures instead."""
    from slimfix.imagelab.builders import BuilderError, BuildRun, ImageInfo
    from slimfix.rules import select_rules

    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
                                         "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "app.py").write_text("print(1)\n")

    class RecordingBuilder:
        name = "fake"

        def __init__(self):
            self.built = []

        def build(self, dockerfile, context, tag, no_cache=False):
            self.built.append((dockerfile.read_text(), tag))
            return BuildRun(True, 1.0 + len(self.built), ["RUN x"], ["RUN x"])

        def export(self, tag, archive):
            raise BuilderError("this builder exports nothing")

        def info(self, tag):
            return ImageInfo(100, None, 3)

        def image_ids(self):
            return set()

        def describe(self, ref):
            return None

        def remove(self, ids):
            pass

    builder = RecordingBuilder()
    result = verify(tmp_path / "Dockerfile", tmp_path, builder, rules=select_rules(["ALL", "SF6"]))
    assert result.fixes == [] and result.mount_fixes == ["SF602"]
    assert result.after is result.before
    texts = [t for t, _ in builder.built]
    assert len(texts) == 6  # two sides (original, cache mounts): cold, source edit, dependency edit
    assert not any("--mount=type=cache" in t for t in texts[0::2])
    assert all("--mount=type=cache" in t for t in texts[1::2])
    assert "the default rules change nothing" in " ".join(result.notes)
    # no image could be read: the certificate says so, never "the same"
    assert result.certificates["cache mounts"].verdict == "incomplete" and result.uncertified == ["cache mounts"]


def test_verify_certifies_the_rewrite_with_each_rules_declared_effect(lab, tmp_path):
    from slimfix.imagelab.certificate import SAME_EXCEPT

    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "project", project)
    result = verify(project / "Dockerfile", project, Buildah(lab), dependency=False, edit="app.sh")
    cert = result.certificates["after"]
    text = render_text(result)
    assert cert.verdict == SAME_EXCEPT, text
    explained = {g.code: g.bytes for g in cert.explained}
    assert set(explained) == {"SF102", "SF301"}, text
    assert explained["SF102"] == 5 * MiB and explained["SF301"] == 2 * MiB
    assert "unexplained: none" in text and not result.uncertified


def test_verify_against_a_hand_edit_lists_every_difference(lab, tmp_path):
    from slimfix.imagelab.certificate import UNEXPLAINED
    from slimfix.imagelab.certificate_text import markdown

    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "project", project)
    edited = tmp_path / "Edited.Dockerfile"
    edited.write_text((project / "Dockerfile").read_text()
                      .replace('CMD ["sh", "app.sh"]',
                               "RUN rm /usr/bin/pip && rm -rf /usr/share/fake && mkdir /usr/share/fake"
                               " && mkdir /root/.npm && echo c > /root/.npm/cache\n"
                               'CMD ["sh", "-x", "app.sh"]'))
    result = verify(project / "Dockerfile", project, Buildah(lab), dependency=False, edit="app.sh",
                    against=edited, noise_build=False)
    cert = result.certificates["after"]
    assert result.fixes == [] and cert.verdict == UNEXPLAINED and result.uncertified == ["after"]
    assert [(d.path, d.change) for d in cert.unexplained.differences] == [
        ("/root/.npm", "added"), ("/root/.npm/cache", "added"), ("/usr/bin/pip", "removed"),
        ("/usr/share/fake/curl", "removed")]  # a whiteout, a folder emptied and made again, an added cache
    assert [s.name for s in cert.unexplained.settings] == ["Cmd"]
    assert "removed /usr/bin/pip" in render_text(result)
    # the folder the later RUN empties was shipped whole by the layer that filled it
    assert {"shipped_by": "RUN apt-get install -y --no-install-recommends curl", "how": "deleted",
            "bytes": MiB}.items() <= result.waste["after"][0].items()
    assert result.waste["after"][0]["hidden_by"].startswith("RUN rm /usr/bin/pip")
    assert "wasted bytes" in render_text(result) and result.waste["before"] == []
    assert "❌" in markdown(result) and "`removed /usr/bin/pip" in markdown(result)


def test_verify_writes_the_dockerignore_fix_only_into_its_copy_where_the_build_reads_it(tmp_path):
    """The Dockerfile's own ignore file lies outside the context: the fix must never reach
    the user's file, and each side's build must read the ignore rules of that side."""
    from slimfix.imagelab.builders import BuilderError, BuildRun, ImageInfo

    (tmp_path / "df").mkdir()
    (tmp_path / "ctx" / ".git").mkdir(parents=True)
    (tmp_path / "ctx" / ".git" / "HEAD").write_text("ref\n")
    (tmp_path / "ctx" / "app.py").write_text("print(1)\n")
    dockerfile = tmp_path / "df" / "app.Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "app.py"]\n')
    own_ignore = tmp_path / "df" / "app.Dockerfile.dockerignore"
    own_ignore.write_text("node_modules\n")

    class IgnoreRecorder:
        name = "fake"
        seen: list = []

        def build(self, dockerfile, context, tag, no_cache=False):
            ignore = context / ".dockerignore"
            self.seen.append(ignore.read_text() if ignore.exists() else None)
            return BuildRun(True, 1.0, [], [])

        def export(self, tag, archive):
            raise BuilderError("exports nothing")

        def info(self, tag):
            return ImageInfo(1, None, 1)

        image_ids = lambda self: set()  # noqa: E731
        describe = lambda self, ref: None  # noqa: E731
        remove = lambda self, ids: None  # noqa: E731

    builder = IgnoreRecorder()
    result = verify(dockerfile, tmp_path / "ctx", builder, dependency=False)
    assert "SF401" in result.fixes
    assert own_ignore.read_text() == "node_modules\n"  # the user's file is untouched
    assert not (tmp_path / "ctx" / ".dockerignore").exists()
    before, after = builder.seen[0], builder.seen[1]
    assert before == "node_modules\n" and ".git" not in before
    assert after.startswith("node_modules\n") and "\n.git\n" in after


def test_verify_smoke_runs_the_command_in_every_image_and_compares(lab, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "project", project)
    result = verify(project / "Dockerfile", project, Buildah(lab), dependency=False, edit="app.sh",
                    noise_build=False, smoke="cat /app/requirements.txt; ls /root/.cache/pip")
    assert result.smoke_runs["before"].status == 0 and "wheels" in result.smoke_runs["before"].output
    assert result.smoke_differs == ["after"]  # pip's cache is gone, and the smoke command sees it
    assert result.smoke_runs["after"].status != 0
    assert "after: exit 1; DIFFERENT exit status" in render_text(result) and "-wheels" in render_text(result)


def test_layer_names_leave_out_a_runs_build_arguments():
    from slimfix.imagelab.builders import _instruction

    assert _instruction("|1 SLIMFIX_VERIFY_SIDE=after /bin/sh -c apt-get update") == "RUN apt-get update"
    assert _instruction("|2 A=1 B= /bin/sh -c pip install x") == "RUN pip install x"


def test_copy_layers_are_named_by_the_dockerfiles_own_instructions():
    from slimfix.imagelab.builders import ImageInfo, Layer
    from slimfix.imagelab.verify import name_copy_layers

    image = ImageInfo(10, None, 5, [Layer("COPY file in /usr/bin", 1), Layer("RUN apt-get update", 2),
                                    Layer("COPY file in ./", 3), Layer("RUN pip install -r requirements.txt", 4),
                                    Layer("COPY dir in .", 5)])
    text = ("FROM base AS deps\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\n"
            "FROM deps\nCOPY --chown=app \\\n  . .\n")
    named = [layer.instruction for layer in name_copy_layers(image, text).history]
    # the base image's own COPY layer keeps the builder's name; the file's two are named by their lines
    assert named == ["COPY file in /usr/bin", "RUN apt-get update", "COPY requirements.txt ./",
                     "RUN pip install -r requirements.txt", "COPY --chown=app . ."]


def test_verify_ties_the_wasted_bytes_to_the_layer_waste_rule_and_certifies_it(lab, tmp_path):
    """SF701 turns `COPY` + `RUN chown -R` into `COPY --chown`: the original ships the tree
    twice (the chown re-owns every file into a new layer); the rewrite once, with the same
    files, owners and modes."""
    subprocess.run(["buildah", "tag", "localhost/slimfix-tinybase:test", "docker.io/library/debian:bookworm-slim"],
                   env=lab, check=True, capture_output=True)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "verify" / "chown", project)
    (project / "app" / "data.bin").write_bytes(os.urandom(MiB))
    result = verify(project / "Dockerfile", project, Buildah(lab), unsafe_fixes=True, dependency=False,
                    edit="app/run.sh", noise_build=False)
    text = render_text(result)
    assert "SF701" in result.fixes and result.certificates["after"].passed, text
    tied = [r for r in result.waste["before"] if r.get("removed_by") == "SF701"]
    assert tied and tied[0]["bytes"] >= MiB and tied[0]["how"] == "re-owned or re-moded", text
    assert sum(r["bytes"] for r in result.waste["after"]) < MiB, text
    assert "(removed by SF701)" in text


def test_wasted_bytes_are_tied_to_the_fix_that_rewrote_their_instructions():
    from slimfix.imagelab.verify import tie_waste_to_rules
    from slimfix.rules import Finding

    text = "FROM debian\nCOPY app /app\nRUN chown -R 1000:1000 /app\nRUN rm -rf /usr/share/doc\n"
    start = text.index("COPY")
    end = text.index("\nRUN rm")
    rows = [{"shipped_by": "COPY app /app", "hidden_by": "RUN chown -R 1000:1000 /app", "how": "re-owned or re-moded",
             "bytes": 5},
            {"shipped_by": "FROM debian", "hidden_by": "RUN rm -rf /usr/share/doc", "how": "deleted", "bytes": 3}]
    tie_waste_to_rules(rows, text, [Finding("SF701", "x", start, end), Finding("SF102", "y", 0, 4)])
    assert rows[0]["removed_by"] == "SF701" and "removed_by" not in rows[1]
