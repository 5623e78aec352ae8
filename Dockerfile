# The same steps as .ci/setup on Debian 12 with Python 3.11: system libraries, then the pinned
# dependencies (a layer that changes only with constraints.txt and pyproject.toml), then the code.
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml constraints.txt /app/
RUN python -m venv /app/.venv \
 && /app/.venv/bin/python -m pip install -q --upgrade pip \
 && /app/.venv/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /app/.venv/bin/python -m pip install -q -c constraints.txt -r /tmp/requirements.txt \
 && rm -rf /root/.cache/pip /tmp/requirements.txt
COPY . /app
RUN /app/.venv/bin/python -m pip install -q --no-deps -e . && rm -rf /root/.cache/pip
# an unprivileged user; batch state and outputs (SQLite + files) on a volume it can write
RUN useradd --system --uid 10001 --home-dir /data obrazci && mkdir -p /data && chown obrazci /data
ENV PATH="/app/.venv/bin:${PATH}" OBRAZCI_DATA_DIR=/data OBRAZCI_HOST=0.0.0.0 OBRAZCI_PORT=8000
USER obrazci
# the layers a first start would draw, kept in the image (a new named volume starts with them)
RUN renderer warm
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]
STOPSIGNAL SIGTERM
CMD ["renderer", "serve"]
