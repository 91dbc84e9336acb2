"""The certificate without a builder: hand-made image archives read into contents, the
comparison, the noise, the rules' declared effects and the verdicts."""

from __future__ import annotations

import hashlib
import json

import pytest
from imagearchive import docker_archive, layer, oci_layout

from slimfix.effects import NO_FILE_CHANGE, Effect
from slimfix.imagelab.certificate import (INCOMPLETE, SAME, SAME_EXCEPT, UNEXPLAINED, Declared,
                                          cache_mount_targets, certify, glob_match, shown)
from slimfix.imagelab.contents import read_image
from slimfix.rules import all_rules

BASE = layer(("dir", "etc"), ("file", "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"),
             ("dir", "etc/apt/apt.conf.d"), ("file", "etc/apt/apt.conf.d/docker-clean", b"clean\n"),
             ("dir", "usr/bin"), ("file", "usr/bin/tool", b"#!/bin/sh\n", 0o755))


def image(tmp_path, name, *layers, config=None):
    return read_image(docker_archive(tmp_path / f"{name}.tar", [BASE, *layers], config))


def test_layers_apply_in_order_with_whiteouts_and_opaque_folders(tmp_path):
    contents = image(tmp_path, "x",
                     layer(("dir", "data"), ("file", "data/a", b"a"), ("file", "data/b", b"b"),
                           ("dir", "data/sub"), ("file", "data/sub/c", b"c"), ("file", "gone", b"g")),
                     layer(("whiteout", "gone"), ("opaque", "data"), ("file", "data/new", b"n")),
                     layer(("whiteout", "usr")))
    assert "/gone" not in contents.files
    assert "/data" in contents.files and "/data/new" in contents.files
    assert not {"/data/a", "/data/b", "/data/sub", "/data/sub/c"} & contents.files.keys()
    assert not any(p.startswith("/usr") for p in contents.files)  # a whiteout of a folder takes its tree
    assert contents.layers == 4 and not contents.problems


def test_a_file_that_replaces_a_folder_hides_what_was_under_it(tmp_path):
    contents = image(tmp_path, "x", layer(("dir", "opt/x"), ("file", "opt/x/y", b"y")), layer(("file", "opt/x", b"now a file")))
    assert contents.files["/opt/x"].kind == "file" and "/opt/x/y" not in contents.files


def test_entries_keep_kind_mode_owner_content_and_target(tmp_path):
    contents = image(tmp_path, "x", layer(("file", "bin/run", b"run", 0o4755, 1000), ("symlink", "bin/sh", "busybox"),
                                          ("hardlink", "bin/run2", "bin/run"), ("chardev", "dev/null", 1, 3),
                                          ("fifo", "run/pipe")))
    run = contents.files["/bin/run"]
    assert (run.kind, run.mode, run.uid, run.size, run.digest) == ("file", 0o4755, 1000, 3, hashlib.sha256(b"run").hexdigest())
    assert contents.files["/bin/sh"].target == "busybox"
    assert contents.files["/bin/run2"].digest == run.digest and contents.files["/bin/run2"].linked_from == "/bin/run"
    assert contents.files["/dev/null"].device == (1, 3)
    assert contents.files["/run/pipe"].kind == "fifo"


def test_oci_layout_with_gzip_layers_reads_the_same(tmp_path):
    extra = layer(("file", "app/x", b"x" * 1000))
    from_docker = read_image(docker_archive(tmp_path / "d.tar", [BASE, extra], {"Cmd": ["x"]}))
    from_oci = read_image(oci_layout(tmp_path / "oci", [BASE, layer(("file", "app/x", b"x" * 1000), gz=True)],
                                     {"Cmd": ["x"]}))
    assert from_docker.files == from_oci.files
    assert from_oci.settings["Cmd"] == ["x"]


def test_a_hard_link_into_a_lower_layer_and_a_broken_one_are_reported(tmp_path):
    contents = image(tmp_path, "x", layer(("hardlink", "usr/bin/tool2", "usr/bin/tool"), ("hardlink", "nowhere", "missing")))
    assert contents.files["/usr/bin/tool2"].digest == contents.files["/usr/bin/tool"].digest
    assert any("lower layer" in p for p in contents.problems)
    assert any("no such file" in p for p in contents.problems) and "/nowhere" not in contents.files


def test_a_name_that_is_not_utf8_is_kept_and_shown_escaped(tmp_path):
    name = b"app/caf\xe9".decode("utf-8", "surrogateescape")
    contents = image(tmp_path, "x", layer(("file", name, b"x")))
    path = "/" + name
    assert path in contents.files
    assert shown(path) == "/app/caf\\xe9"
    assert shown("/a\x1b[31mb") == "/a\\x1b[31mb"


def test_an_unreadable_layer_is_a_problem_and_the_rest_is_still_read(tmp_path):
    contents = read_image(docker_archive(tmp_path / "x.tar", [BASE, b"not a tar at all" * 100, layer(("file", "ok", b"1"))]))
    assert "/ok" in contents.files and "/usr/bin/tool" in contents.files
    assert any("layer 2" in p for p in contents.problems)
    assert read_image(tmp_path / "missing.tar").problems
    (tmp_path / "junk.tar").write_bytes(b"junk")
    assert read_image(tmp_path / "junk.tar").problems


def test_the_same_image_certifies_as_the_same(tmp_path):
    a = image(tmp_path, "a", layer(("file", "app/main.py", b"print(1)")), config={"Cmd": ["python", "main.py"]})
    b = image(tmp_path, "b", layer(("file", "app/main.py", b"print(1)")), config={"Cmd": ["python", "main.py"]})
    cert = certify(a, b, [Declared("SF201", NO_FILE_CHANGE)])
    assert cert.verdict == SAME and cert.passed and not cert.explained


def test_a_declared_removal_is_explained_and_nothing_else_is(tmp_path):
    lists = layer(("dir", "var/lib/apt/lists"), ("file", "var/lib/apt/lists/Packages", b"p" * 5000))
    a = image(tmp_path, "a", lists, layer(("file", "app/x", b"x")))
    b = image(tmp_path, "b", layer(("dir", "var/lib/apt/lists"), ("file", "app/x", b"x")))
    sf102 = Declared("SF102", Effect("removes the contents of /var/lib/apt/lists", removes=("/var/lib/apt/lists/**",)))
    cert = certify(a, b, [sf102])
    assert cert.verdict == SAME_EXCEPT and cert.passed
    assert [g.code for g in cert.explained] == ["SF102"] and cert.explained[0].bytes == 5000
    # the same difference with no rule that declares it
    assert certify(a, b, [Declared("SF201", NO_FILE_CHANGE)]).verdict == UNEXPLAINED


def test_a_removed_config_file_a_changed_cmd_and_an_added_cache_are_unexplained(tmp_path):
    a = image(tmp_path, "a", layer(("file", "app/x", b"x")), config={"Cmd": ["run"]})
    b = image(tmp_path, "b", layer(("whiteout", "etc/apt/apt.conf.d/docker-clean"), ("file", "app/x", b"x"),
                                   ("dir", "root/.cache/pip"), ("file", "root/.cache/pip/wheel", b"w" * 100)),
              config={"Cmd": ["other"]})
    cert = certify(a, b, [Declared("SF102", Effect("x", removes=("/var/lib/apt/lists/**",)))])
    assert cert.verdict == UNEXPLAINED and not cert.passed
    paths = {(d.path, d.change) for d in cert.unexplained.differences}
    assert ("/etc/apt/apt.conf.d/docker-clean", "removed") in paths and ("/root/.cache/pip/wheel", "added") in paths
    assert [s.name for s in cert.unexplained.settings] == ["Cmd"]


def test_a_home_cache_and_the_folders_that_held_it_are_covered_for_every_user(tmp_path):
    cache = layer(("dir", "home/app/.cache"), ("dir", "home/app/.cache/pip"), ("file", "home/app/.cache/pip/w", b"w"))
    a = image(tmp_path, "a", cache)
    b = image(tmp_path, "b")
    sf301 = Declared("SF301", Effect("pip cache", removes=("~/.cache/pip/**",)))
    assert certify(a, b, [sf301]).verdict == SAME_EXCEPT
    # the home folder itself is not pip's cache
    a2 = image(tmp_path, "a2", layer(("dir", "home/app"), ("file", "home/app/notes", b"n")))
    assert certify(a2, b, [sf301]).verdict == UNEXPLAINED


def test_owner_and_mode_changes_are_differences(tmp_path):
    a = image(tmp_path, "a", layer(("file", "app/x", b"x", 0o644, 0)))
    b = image(tmp_path, "b", layer(("file", "app/x", b"x", 0o600, 1000)))
    cert = certify(a, b, [])
    assert cert.unexplained.differences[0].fields == ("mode", "owner")


def test_noise_measured_from_a_second_build_and_the_default_list_is_set_aside_and_shown(tmp_path):
    a = image(tmp_path, "a", layer(("file", "var/log/dpkg.log", b"t1"), ("file", "app/stamp", b"1")))
    again = image(tmp_path, "again", layer(("file", "var/log/dpkg.log", b"t2"), ("file", "app/stamp", b"2")))
    b = image(tmp_path, "b", layer(("file", "var/log/dpkg.log", b"t3"), ("file", "app/stamp", b"3")))
    cert = certify(a, b, [], noise=again)
    assert cert.verdict == SAME and not cert.unexplained.differences
    reasons = {g.reason for g in cert.noise}
    assert "differed between two builds of the original" in reasons
    # without the second build, the log is still noise by the default list, the stamp is not
    cert = certify(a, b, [])
    assert cert.verdict == UNEXPLAINED and [d.path for d in cert.unexplained.differences] == ["/app/stamp"]
    assert any(g.reason.startswith("logs") for g in cert.noise)


def test_the_default_noise_never_hides_a_change_of_mode(tmp_path):
    a = image(tmp_path, "a", layer(("file", "var/log/app.log", b"x", 0o644)))
    b = image(tmp_path, "b", layer(("file", "var/log/app.log", b"y", 0o666)))
    assert certify(a, b, []).verdict == UNEXPLAINED


def _dpkg(*packages: tuple[str, str, list[str]]) -> list:
    status = "".join(f"Package: {name}\nStatus: install ok installed\nVersion: {version}\n\n" for name, version, _ in packages)
    entries = [("dir", "var/lib/dpkg/info"), ("file", "var/lib/dpkg/status", status.encode())]
    for name, _, files in packages:
        entries.append(("file", f"var/lib/dpkg/info/{name}.list", "".join(f"{f}\n" for f in files).encode()))
        entries += [("file", f.lstrip("/"), name.encode() * 10) for f in files]
    return entries


def test_packages_no_longer_installed_explain_their_files_and_nothing_else(tmp_path):
    curl = ("curl", "7.88", ["/usr/bin/curl"])
    recommended = ("libldap-common", "2.5", ["/usr/share/ldap/schema", "/usr/lib/python3/dist-packages/x.py"])
    a = image(tmp_path, "a", layer(*_dpkg(curl, recommended),
                                   ("file", "usr/lib/python3/dist-packages/__pycache__/x.cpython-311.pyc", b"pyc")))
    b = image(tmp_path, "b", layer(*_dpkg(curl)))
    sf103 = Declared("SF103", Effect("recommends", packages=True))
    cert = certify(a, b, [sf103])
    assert cert.verdict == SAME_EXCEPT, [d.path for d in cert.unexplained.differences]
    # a file of a package that is still installed is not covered
    c = image(tmp_path, "c", layer(*_dpkg(("curl", "7.88", [])), *_dpkg(recommended)[2:]))
    assert certify(a, c, [sf103]).verdict == UNEXPLAINED


def test_a_cache_mount_explains_what_is_under_its_target_only(tmp_path):
    a = image(tmp_path, "a", layer(("dir", "root/.npm"), ("file", "root/.npm/_cacache/x", b"x" * 10), ("file", "app/y", b"y")))
    b = image(tmp_path, "b", layer(("dir", "root/.npm")))
    text = "RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci\n"
    cert = certify(a, b, [Declared("SF603", Effect("mounts", mounts=True))], rewritten_text=text)
    assert [d.path for d in cert.unexplained.differences] == ["/app/y"]
    assert cache_mount_targets('RUN --mount="type=cache,target=/a b" --mount=type=bind,target=/c x') == ("/a b",)


def test_new_dockerignore_lines_explain_the_files_they_keep_out_wherever_they_were_copied(tmp_path):
    a = image(tmp_path, "a", layer(("dir", "app/.git"), ("file", "app/.git/HEAD", b"ref"), ("file", "app/main.py", b"m"),
                                   ("file", "app/src/secret.env", b"s")))
    b = image(tmp_path, "b", layer(("file", "app/main.py", b"m")))
    sf401 = Declared("SF401", Effect("ignore", ignored=True))
    assert certify(a, b, [sf401], ignore_lines=[".git", "**/*.env"]).verdict == SAME_EXCEPT
    assert certify(a, b, [sf401], ignore_lines=[".git"]).verdict == UNEXPLAINED


def test_a_problem_makes_the_verdict_incomplete_never_the_same(tmp_path):
    a = image(tmp_path, "a")
    b = read_image(docker_archive(tmp_path / "b.tar", [BASE, b"broken" * 100]))
    assert certify(a, b, []).verdict == INCOMPLETE


def test_glob_match():
    assert glob_match("/var/lib/apt/lists/**", "/var/lib/apt/lists/partial/x")
    assert not glob_match("/var/lib/apt/lists/**", "/var/lib/apt/listsx/y")
    assert glob_match("**/__pycache__/*.pyc", "/usr/lib/__pycache__/a.pyc")
    assert not glob_match("/opt/*/pkgs/**", "/opt/a/b/pkgs/c")
    assert glob_match("/" + "/".join(["**"] * 30) + "/z", "/" + "a/" * 200 + "z")  # memoised: no blow-up


def test_every_rule_declares_its_effect_on_the_image():
    for rule in all_rules():
        assert isinstance(rule.effect, Effect), rule.code
        assert rule.effect.description


def test_the_certificate_json_holds_every_difference(tmp_path):
    a = image(tmp_path, "a", layer(("file", "a", b"1"), ("file", "b", b"2")))
    b = image(tmp_path, "b")
    data = certify(a, b, []).to_json()
    json.dumps(data)
    assert data["verdict"] == UNEXPLAINED and {d["path"] for d in data["unexplained"]["differences"]} == {"/a", "/b"}


@pytest.mark.parametrize("fmt", ["docker", "oci"])
def test_a_large_layer_is_streamed(tmp_path, fmt):
    big = b"z" * (8 << 20)
    layers = [BASE, layer(("file", "big", big))]
    path = docker_archive(tmp_path / "x.tar", layers) if fmt == "docker" else oci_layout(tmp_path / "oci", layers)
    assert read_image(path).files["/big"].size == 8 << 20


def test_each_verify_side_gets_its_own_layer_cache():
    from slimfix.imagelab.verify import own_cache

    text = "# syntax=docker/dockerfile:1\nFROM python:3.12 AS build\nRUN x\nFROM \\\n  debian\nCOPY --from=build /a /a"
    out = own_cache(text, "after")
    assert out == ("# syntax=docker/dockerfile:1\nFROM python:3.12 AS build\nARG SLIMFIX_VERIFY_SIDE=after\nRUN x\n"
                   "FROM \\\n  debian\nARG SLIMFIX_VERIFY_SIDE=after\nCOPY --from=build /a /a")
    assert own_cache("FROM a", "x") == "FROM a\nARG SLIMFIX_VERIFY_SIDE=x\n"


def test_a_lost_file_capability_is_a_difference(tmp_path):
    a = image(tmp_path, "a", layer(("file", "usr/bin/ping", b"p", 0o755, 0, {"security.capability": "cap_net_raw"})))
    b = image(tmp_path, "b", layer(("file", "usr/bin/ping", b"p", 0o755, 0)))
    assert a.files["/usr/bin/ping"].xattrs == (("security.capability", "cap_net_raw"),)
    assert certify(a, b, []).unexplained.differences[0].fields == ("xattrs",)


def test_bytes_a_later_layer_deletes_overwrites_or_re_owns_are_counted_against_the_layer_that_shipped_them(tmp_path):
    contents = image(tmp_path, "x",
                     layer(("file", "app/big", b"b" * 1000), ("file", "app/conf", b"c" * 100),
                           ("file", "tmp/x.tar.gz", b"t" * 500), ("hardlink", "app/big2", "app/big")),
                     layer(("file", "app/big", b"b" * 1000, 0o644, 1000),  # chown -R: the same bytes again
                           ("file", "app/conf", b"d" * 10), ("whiteout", "tmp/x.tar.gz")))
    assert contents.waste == {(2, 3, "re-owned or re-moded"): 1000, (2, 3, "overwritten"): 100,
                              (2, 3, "deleted"): 500}
    assert contents.files["/app/big"].layer == 3 and contents.files["/usr/bin/tool"].layer == 1


def test_what_removed_packages_scripts_made_is_its_own_group_and_only_in_system_folders(tmp_path):
    curl = ("curl", "7.88", ["/usr/bin/curl"])
    dbus = ("dbus", "1.14", ["/usr/bin/dbus-daemon"])
    groups = b"root:x:0:\nmessagebus:x:101:\n"
    a = image(tmp_path, "a", layer(*_dpkg(curl, dbus), ("file", "etc/group", groups),
                                   ("symlink", "etc/rc2.d/S01dbus", "../init.d/dbus")))
    b = image(tmp_path, "b", layer(*_dpkg(curl), ("file", "etc/group", b"root:x:0:\n")))
    sf103 = Declared("SF103", Effect("recommends", packages=True))
    cert = certify(a, b, [sf103])
    assert cert.verdict == SAME_EXCEPT
    scripts = [g for g in cert.explained if g.reason.startswith("files the installation scripts")]
    assert [d.path for d in scripts[0].differences] == ["/etc/group", "/etc/rc2.d/S01dbus"]
    # outside the system folders, or with no package removed, nothing is put down to scripts
    c = image(tmp_path, "c", layer(*_dpkg(curl, dbus), ("file", "usr/local/lib/app.so", b"x")))
    assert certify(c, b, [sf103]).verdict == UNEXPLAINED
    d = image(tmp_path, "d", layer(*_dpkg(curl), ("file", "etc/group", groups)))
    assert certify(d, b, [sf103]).verdict == UNEXPLAINED


def test_a_declared_removal_that_also_differs_between_builds_is_the_rules_and_takes_its_holder(tmp_path):
    """pip's cache differs from build to build (file names, timestamps): it must still be
    put down to SF301, so that /root/.cache, which only held it, goes with it (a real app:
    cloud-trace-demo-app-opentelemetry left `removed (dir) /root/.cache` unexplained)."""
    a = image(tmp_path, "a", layer(("dir", "root/.cache"), ("dir", "root/.cache/pip"),
                                   ("file", "root/.cache/pip/http-v2-1", b"1" * 50), ("file", "app/x", b"x")))
    again = image(tmp_path, "again", layer(("dir", "root/.cache"), ("dir", "root/.cache/pip"),
                                           ("file", "root/.cache/pip/http-v2-2", b"2" * 50), ("file", "app/x", b"x")))
    b = image(tmp_path, "b", layer(("file", "app/x", b"x")))
    sf301 = Declared("SF301", Effect("pip cache", removes=("~/.cache/pip/**",)))
    cert = certify(a, b, [sf301], noise=again)
    assert cert.passed and not cert.unexplained.differences, [d.path for d in cert.unexplained.differences]
    assert {d.path for g in cert.explained for d in g.differences} >= {"/root/.cache", "/root/.cache/pip"}
