# slimfix in a container image:
#   docker build -t slimfix .
#   docker run --rm -v "$PWD:/src" slimfix --check .
FROM python:3.12-slim
WORKDIR /opt/slimfix
COPY pyproject.toml README.md ./
COPY slimfix ./slimfix
RUN pip install --no-cache-dir .
WORKDIR /src
ENTRYPOINT ["slimfix"]
CMD ["--help"]
