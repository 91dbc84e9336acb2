"""One answer to "which Docker Hub image is this" for every spelling of the reference."""

import pytest

from slimfix.analysis.official_images import hub_image, is_official, official_image


@pytest.mark.parametrize("ref", [
    "python:3.12", "library/python:3.12", "docker.io/python:3.12", "docker.io/library/python:3.12",
    "index.docker.io/library/python:3.12", "index.docker.io/python:3.12",
    "registry.docker.com/library/python:3.12", "registry-1.docker.io/library/python:3.12",
])
def test_every_spelling_of_an_official_image(ref):
    image = official_image(ref)
    assert image is not None and (image.name, image.tag) == ("python", "3.12")


@pytest.mark.parametrize("ref", [
    "ghcr.io/acme/python:3.12", "localhost:5000/python", "acme/python:3.12", "$BASE",
    "registry.docker.com/python:3.12",  # the registry's own host needs library/
])
def test_other_images_are_not_official(ref):
    assert official_image(ref) is None


def test_tags_keep_variables_and_digests_are_apart():
    image = hub_image("registry.docker.com/library/ruby:$RUBY_VERSION-slim")
    assert (image.name, image.tag) == ("ruby", "$RUBY_VERSION-slim")
    assert hub_image("python@sha256:abc").digest == "sha256:abc"
    assert hub_image("docker.io/opensuse/leap:15").name == "opensuse/leap"
    assert is_official("docker.io/library/golang:1.22", "golang", "python")
