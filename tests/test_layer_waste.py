"""The layer-waste rules (SF701-SF703) beyond their fixtures: the certificate explains the
mount point a bind mount leaves (buildah 1.28), and nothing else; the rules' edits keep the
file's style."""

from __future__ import annotations

from imagearchive import docker_archive, layer

from slimfix.effects import Effect
from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.imagelab.certificate import Declared, bind_mount_targets, certify
from slimfix.imagelab.contents import read_image
from slimfix.rules import rule_by_code, select_rules

BASE = layer(("dir", "tmp"), ("dir", "opt"))


def image(tmp_path, name, *layers):
    return read_image(docker_archive(tmp_path / f"{name}.tar", [BASE, *layers]))


def test_a_bind_mount_explains_only_an_empty_mount_point_at_its_target(tmp_path):
    before = image(tmp_path, "a", layer(("file", "opt/tool", b"t")))
    after = image(tmp_path, "b", layer(("file", "opt/tool", b"t"), ("file", "tmp/x.tar.gz", b""),
                                       ("file", "tmp/other", b"")))
    text = "RUN --mount=type=bind,source=x.tar.gz,target=/tmp/x.tar.gz tar -xzf /tmp/x.tar.gz -C /opt\n"
    effect = rule_by_code("SF703").effect
    assert effect.mount_points
    cert = certify(before, after, [Declared("SF703", effect)], rewritten_text=text)
    assert [d.path for d in cert.unexplained.differences] == ["/tmp/other"]
    # a mount point with content is not a mount point
    full = image(tmp_path, "c", layer(("file", "opt/tool", b"t"), ("file", "tmp/x.tar.gz", b"data")))
    assert [d.path for d in certify(before, full, [Declared("SF703", effect)], rewritten_text=text)
            .unexplained.differences] == ["/tmp/x.tar.gz"]
    # without the declaration it stays unexplained
    cert = certify(before, after, [Declared("SF701", Effect("nothing"))], rewritten_text=text)
    assert {d.path for d in cert.unexplained.differences} == {"/tmp/x.tar.gz", "/tmp/other"}
    assert bind_mount_targets('RUN --mount=type=cache,target=/c --mount=type=bind,source=a,target=/b x') == ("/b",)


def test_sf701_and_sf702_declare_no_file_change():
    for code in ("SF701", "SF702"):
        assert rule_by_code(code).effect.changes_nothing


def _fix(text: str, code: str) -> str:
    return fix_document(text, select_rules([code]), threshold=Applicability.UNSAFE).output


def test_sf701_keeps_crlf_and_the_escape_character():
    text = "# escape=`\r\nFROM python:3.12-slim\r\nRUN useradd app\r\nCOPY . /app\r\nRUN chown -R app /app `\r\n    && echo ok\r\n"
    assert _fix(text, "SF701") == ("# escape=`\r\nFROM python:3.12-slim\r\nRUN useradd app\r\n"
                                   "COPY --chown=app:0 . /app\r\nRUN echo ok\r\n")


def test_sf702_appends_before_a_trailing_comment_and_keeps_other_commands():
    text = ("FROM debian:12\nRUN curl -fsSLo /tmp/a.tgz https://x/a.tgz && tar -xzf /tmp/a.tgz -C /opt  # get it\n"
            "RUN rm -f /tmp/a.tgz && echo done\n")
    assert _fix(text, "SF702") == ("FROM debian:12\nRUN curl -fsSLo /tmp/a.tgz https://x/a.tgz && tar -xzf /tmp/a.tgz "
                                   "-C /opt && rm -f /tmp/a.tgz  # get it\nRUN echo done\n")


def test_sf703_needs_a_sign_of_a_mounting_builder(tmp_path):
    (tmp_path / "a.tgz").write_bytes(b"x" * 10)
    text = "FROM debian:12\nCOPY a.tgz /tmp/\nRUN tar -xzf /tmp/a.tgz -C /opt && rm /tmp/a.tgz\n"
    rules = select_rules(["SF703"])
    plain = fix_document(text, rules, threshold=Applicability.UNSAFE, context_dir=tmp_path, path=tmp_path / "Dockerfile")
    assert not plain.changed and plain.findings[0].not_fixed
    with_sf6 = fix_document(text, select_rules(["SF703", "SF601"]), threshold=Applicability.UNSAFE,
                            context_dir=tmp_path, path=tmp_path / "Dockerfile")
    assert with_sf6.output == ("FROM debian:12\n"
                               "RUN --mount=type=bind,source=a.tgz,target=/tmp/a.tgz tar -xzf /tmp/a.tgz -C /opt\n")
