# The switchboard engine.
FROM python:3.11-slim
WORKDIR /opt/switchboard
COPY pyproject.toml README.md ./
COPY switchboard ./switchboard
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/switchboard switchboard \
    && mkdir -p /var/lib/switchboard && chown switchboard /var/lib/switchboard
COPY examples ./examples
USER switchboard
ENTRYPOINT ["switchboard"]
CMD ["run", "-c", "/etc/switchboard/switchboard.yaml", "--store", "/var/lib/switchboard/switchboard.db"]
