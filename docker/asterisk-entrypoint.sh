#!/bin/sh
# Render asterisk-config/ with the container's settings, then run Asterisk in the foreground.
set -eu
target=/run/switchboard-asterisk
python3 /opt/switchboard/asterisk-config/render "$target" --quiet \
    --modules /usr/lib/asterisk/modules \
    --sounds /var/lib/asterisk/sounds --moh /var/lib/asterisk/moh \
    --sip-host 0.0.0.0 --sip-port "${SIP_PORT:-5060}" \
    --ami-port "${AMI_PORT:-5038}" --ami-secret "${AMI_SECRET:?set AMI_SECRET}" \
    --operator-secret "${OPERATOR_SECRET:?set OPERATOR_SECRET}" \
    --engine "${ENGINE:-127.0.0.1:4573}" \
    --trunk-host "${TRUNK_HOST:-127.0.0.1}" --trunk-port "${TRUNK_PORT:-5060}" \
    --rtp-start 10000 --rtp-ports 100
exec asterisk -f -C "$target/asterisk.conf"
