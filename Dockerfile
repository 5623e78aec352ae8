# The same steps as .ci/setup on Debian 12 with Python 3.11.
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY . /app
RUN apt-get update -qq \
 && bash .ci/setup \
 && rm -rf /var/lib/apt/lists/* /root/.cache/pip
# batch state and outputs (SQLite + files): a volume the unprivileged user can write
RUN mkdir -p /data && chown nobody /data
ENV PATH="/app/.venv/bin:${PATH}" OBRAZCI_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
USER nobody
CMD ["renderer", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
