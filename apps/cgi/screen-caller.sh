#!/bin/sh
# screen-caller — reading header fields from SIP_* metavariables (RFC 3050 §5.5.1.5) and the
# body from stdin (§5.5.2).
#
# Rejects calls whose From (SIP_FROM) names a blocked address with 403 and a text body saying
# why; rejects INVITEs without SDP with 488. Anything else: the script prints nothing, so the
# server takes its default action (§5.6.1.6) — it proxies or looks up the request as if no
# script were there.
BLOCKED="sip:spam@example.net"

case "$SIP_FROM" in
  *"$BLOCKED"*)
    REASON="calls from $BLOCKED are refused"
    echo "SIP/2.0 403 Forbidden"
    echo "Content-Type: text/plain"
    echo "Content-Length: ${#REASON}"
    echo
    printf '%s' "$REASON"
    exit 0
    ;;
esac

if [ "$REQUEST_METHOD" = "INVITE" ]; then
  # Read exactly CONTENT_LENGTH octets, never more (§5.5.2).
  BODY=$(head -c "${CONTENT_LENGTH:-0}")
  case "$BODY" in
    v=0*) ;;
    *) echo "SIP/2.0 488 Not Acceptable Here"; echo ;;
  esac
fi
