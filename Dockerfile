# Scrutiny in a container: the dashboard, the JSON API and the panel workspace (`scrutiny serve`), and every
# other command (`docker compose run --rm app COMMAND`). docs/deploy.md says how to run it; compose.yaml puts it
# beside PostgreSQL for the workspace.
#
# Two stages: the first installs Scrutiny and its dependencies into a virtual environment (/opt/scrutiny), the
# second copies that environment onto a clean slim image with only what runs it: Pango and a font for the PDF
# reports (WeasyPrint), as .ci/run installs them for the tests. The app runs as the unprivileged user
# `scrutiny`; its warehouse, the downloads and (without PostgreSQL) the SQLite workspace live in the volume
# /data.
#
# Build arguments: PYTHON_VERSION (the tests run on 3.11), EXTRAS (e.g. `--build-arg EXTRAS=bias` for the
# threshold test's NumPyro and JAX, about 600 MB more).

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG EXTRAS=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/scrutiny \
    && if [ -n "$EXTRAS" ]; then spec=".[$EXTRAS]"; else spec="."; fi \
    && /opt/scrutiny/bin/pip install "$spec" \
    && /opt/scrutiny/bin/scrutiny --help >/dev/null

FROM python:${PYTHON_VERSION}-slim-bookworm
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid and gid, so a bind-mounted /data can be given to it on the host: chown 10001:10001 DIR.
RUN groupadd --system --gid 10001 scrutiny \
    && useradd --system --uid 10001 --gid scrutiny --create-home --home-dir /home/scrutiny \
       --shell /usr/sbin/nologin scrutiny \
    && mkdir /data && chown scrutiny:scrutiny /data
COPY --from=build /opt/scrutiny /opt/scrutiny
ENV PATH=/opt/scrutiny/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SCRUTINY_DB=/data/scrutiny.duckdb
USER scrutiny
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# /login answers 200 as soon as the app serves, with or without a warehouse (the dashboard answers 503 until
# data is loaded). The slim image has no curl: Python's own client asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/login', timeout=4)"]
# `scrutiny serve` creates or upgrades the workspace schema itself before it answers (scrutiny.cli.serve.run
# calls Workspace.upgrade), so no separate migration step runs first.
ENTRYPOINT ["scrutiny"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
