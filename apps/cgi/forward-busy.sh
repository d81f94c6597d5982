#!/bin/sh
# forward-busy — the narrative of RFC 3050 §3.2 with examples 3, 4 and 5 of §4: call forwarding
# on busy / no answer, across three invocations of one transaction.
#
# 1. The INVITE arrives: tell the caller we are trying (181), proxy to the first target with a
#    CGI-Request-Token, remember the stage in a cookie (CGI-SET-COOKIE, example 5) and ask to be
#    run again for the next message (CGI-AGAIN yes, example 4). An Expires of 20 s makes the
#    server give us a local 408 if nobody answers (§5.7).
# 2. A response arrives: 2xx → forward it by its token (CGI-FORWARD-RESPONSE, example 3).
#    Busy / no answer on the first target → proxy to voice mail, new cookie, run again.
#    Provisional → keep waiting (run again), the server forwards it by default.
# 3. Voice mail fails too → answer 480 ourselves; the transaction is over.
# Edit FIRST and VOICEMAIL for your site.
FIRST="sip:bob@192.0.2.20"
VOICEMAIL="sip:voicemail@192.0.2.99"

if [ -n "$REQUEST_METHOD" ]; then
  echo "SIP/2.0 181 Call Is Being Forwarded"
  echo
  echo "CGI-PROXY-REQUEST $FIRST SIP/2.0"
  echo "CGI-Request-Token: first"
  echo "Expires: 20"
  echo
  echo "CGI-SET-COOKIE stage-first SIP/2.0"
  echo "CGI-AGAIN yes SIP/2.0"
  exit 0
fi

case "$RESPONSE_STATUS" in
  1??)
    # Not CGI-AGAIN alone: the default action forwards the provisional response (except 100).
    echo "CGI-AGAIN yes SIP/2.0"
    ;;
  2??)
    echo "CGI-FORWARD-RESPONSE $RESPONSE_TOKEN SIP/2.0"
    echo "X-Forwarded-By: forward-busy ($REQUEST_TOKEN)"
    echo
    ;;
  *)
    if [ "$SCRIPT_COOKIE" = "stage-first" ]; then
      echo "CGI-PROXY-REQUEST $VOICEMAIL SIP/2.0"
      echo "CGI-Request-Token: voicemail"
      echo
      echo "CGI-SET-COOKIE stage-voicemail SIP/2.0"
      echo "CGI-AGAIN yes SIP/2.0"
    else
      echo "SIP/2.0 480 Temporarily Unavailable"
      echo "Retry-After: 300"
      echo
    fi
    ;;
esac
