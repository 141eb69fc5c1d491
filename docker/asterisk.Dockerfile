# Asterisk from the Alpine package; its configuration is written from the switchboard YAML at
# start (`switchboard asterisk-config`), so the package is installed here too.
FROM alpine:3.21
RUN apk add --no-cache asterisk asterisk-sounds-en asterisk-sounds-moh python3 py3-pip tini
COPY pyproject.toml README.md /opt/switchboard/
COPY switchboard /opt/switchboard/switchboard
RUN python3 -m venv /opt/switchboard/venv \
    && /opt/switchboard/venv/bin/pip install --no-cache-dir /opt/switchboard \
    && ln -s /opt/switchboard/venv/bin/switchboard /usr/local/bin/switchboard
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint
RUN adduser -S -D -H switchboard && mkdir -p /run/switchboard-asterisk \
    && chown switchboard /run/switchboard-asterisk
USER switchboard
EXPOSE 5060/udp 10000-10099/udp
ENTRYPOINT ["/sbin/tini", "--", "/usr/local/bin/asterisk-entrypoint"]
