#!/bin/sh
# Write the Asterisk configuration from the switchboard YAML (the one source of truth: queues,
# operators, numbers, directory), then run Asterisk in the foreground. The AMI secret comes
# from the YAML or SWITCHBOARD_AMI__SECRET, like the engine's.
set -eu
target=/run/switchboard-asterisk
switchboard asterisk-config -c "${SWITCHBOARD_CONFIG:-/etc/switchboard/switchboard.yaml}" \
    "$target" --quiet \
    --modules /usr/lib/asterisk/modules \
    --sounds /var/lib/asterisk/sounds --moh /var/lib/asterisk/moh \
    ${RECORDINGS:+--recordings "$RECORDINGS"} \
    --sip-host 0.0.0.0 --sip-port "${SIP_PORT:-5060}" \
    --operator-secret "${OPERATOR_SECRET:?set OPERATOR_SECRET}" \
    --engine "${ENGINE:-127.0.0.1:4573}" \
    --trunk-host "${TRUNK_HOST:-127.0.0.1}" --trunk-port "${TRUNK_PORT:-5060}" \
    --rtp-start 10000 --rtp-ports 100
exec asterisk -f -C "$target/asterisk.conf"
