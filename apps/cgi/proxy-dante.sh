#!/bin/sh
# proxy-dante — RFC 3050 §4, example 2: proxy the request to sip:dante@inferno.com, adding a
# Contact header.
#
# The server takes the original request, makes the usual proxy changes (Max-Forwards − 1, its
# own Via) and merges the script's header fields: a header the script prints replaces every
# field of that name, a new one goes after the Via fields (§5.6.1.2). With no body printed, the
# original body (the SDP of an INVITE) is forwarded unchanged.
echo "CGI-PROXY-REQUEST sip:dante@inferno.com SIP/2.0"
echo "Contact: sip:server1@company.com"
echo
