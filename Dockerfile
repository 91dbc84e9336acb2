# slimfix in a container image, run as you, so that what it writes in your checkout is yours:
#   docker build -t slimfix .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" slimfix --check .
FROM python:3.12-slim
# git: SF401 asks git whether a file is ignored; the checkout belongs to another user (safe.directory)
RUN apt-get update && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
WORKDIR /opt/slimfix
COPY pyproject.toml README.md ./
COPY slimfix ./slimfix
RUN pip install --no-cache-dir .
# A container is thrown away after each run: a result cache would be signed with a secret
# that goes with it, and so be of no use to the next run.
ENV SLIMFIX_NO_CACHE=1
WORKDIR /src
ENTRYPOINT ["slimfix"]
CMD ["--help"]
