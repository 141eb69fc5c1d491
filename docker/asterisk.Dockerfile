# Asterisk from the Alpine package, with the switchboard configuration rendered at start.
FROM alpine:3.21
RUN apk add --no-cache asterisk asterisk-sounds-en asterisk-sounds-moh python3 tini
COPY asterisk-config /opt/switchboard/asterisk-config
COPY dialplan /opt/switchboard/dialplan
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint
RUN adduser -S -D -H switchboard && mkdir -p /run/switchboard-asterisk \
    && chown switchboard /run/switchboard-asterisk
USER switchboard
EXPOSE 5060/udp 10000-10099/udp
ENTRYPOINT ["/sbin/tini", "--", "/usr/local/bin/asterisk-entrypoint"]
