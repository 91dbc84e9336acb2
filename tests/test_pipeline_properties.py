"""Property tests of the whole pipeline on Dockerfiles generated from realistic pieces:
the fix loop never fails verification, converges, is idempotent, and BuildKit reads every
output as slimfix does."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import select_rules
from slimfix.syntax import ParseError, parse

try:
    import oracle
except ImportError:  # the oracle's wheel is not available here
    oracle = None

RULES = select_rules()  # what users run: the default rules
PIECES = [
    "RUN apt-get update", "RUN apt-get install -y curl", "RUN apt-get update && apt-get install -y git  # vcs",
    "RUN apt-get update \\\n    && apt-get install -y \\\n      gcc \\\n      make",
    "RUN pip install -r requirements.txt", "RUN pip3 install flask; echo done;", "RUN apk add curl",
    "RUN npm ci", "RUN yarn install", "RUN dnf install -y x", "COPY . .", "COPY . /app", "ADD app.py /app/",
    "WORKDIR /app", "ENV A=1", "EXPOSE 80", "USER app", "LABEL a=b", "# a comment", "",
    "RUN set -eux; apt-get update; apt-get install -y x; rm -rf /var/lib/apt/lists/*",
    "RUN <<EOF\nset -e\napt-get update\napt-get install -y x\nEOF", "RUN <<EOF\napt-get update\napt-get install -y x\nEOF",
    "RUN sh -c 'apt-get update && apt-get install -y y'", "RUN --mount=type=cache,target=/root/.cache/pip pip install z",
    "RUN cd /x && apt-get update", "RUN apt-get install -y a \\\n    # note\n    b", 'CMD ["sh"]',
    "RUN useradd app", "RUN make build", "RUN case $(uname -m) in x86_64) apt-get install -y k ;; esac",
    "FROM debian", "FROM debian AS stage2",
]


@st.composite
def dockerfiles(draw):
    backtick = draw(st.booleans())
    head = ["# escape=`"] if backtick else []
    head.append(draw(st.sampled_from(["FROM debian", "FROM python:3.12", "FROM alpine AS b", "FROM node:20"])))
    body = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10))
    text = "\n".join(head + body)
    if backtick:
        text = text.replace("\\\n", "`\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text + ("\n" if draw(st.booleans()) else "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles(), st.sampled_from([Applicability.SAFE, Applicability.UNSAFE]))
def test_fix_loop_is_verified_idempotent_and_buildkit_valid(text, threshold):
    try:
        parse(text)
    except ParseError:
        return
    out = fix_document(text, RULES, threshold=threshold)  # raises FixError on a failed verification
    assert fix_document(out.output, RULES, threshold=threshold).output == out.output
    if oracle is not None and oracle.comparable(out.output):
        assert oracle.compare(out.output) is None
