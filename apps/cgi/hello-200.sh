#!/bin/sh
# hello-200 — RFC 3050 §4, example 1: "generate a 200 OK response to the original request".
#
# Answers every request it is run for with 200 OK. The server copies Via, From, To (adding a
# tag), Call-ID and CSeq from the request (§5.6.1.1); the script adds a Contact for INVITE so
# the caller can send its ACK and BYE here, and a Subject echoing what it was called for.
# For a REGISTER, a 200 from the script means "the script handled the registration": the server
# does not store it (§5.9).
echo "SIP/2.0 200 OK"
if [ "$REQUEST_METHOD" = "INVITE" ]; then
  echo "Contact: <sip:cgi@${SERVER_NAME}:${SERVER_PORT}>"
fi
echo "Subject: hello from SIP-CGI ($REQUEST_METHOD $REQUEST_URI)"
echo
