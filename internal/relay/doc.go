// Package relay is the channel between a worker and a process group
// (mod_wsgi's daemon mode, issue 14): the Modpy-Relay header that carries
// the client connection's facts to the group (Info, Encode, Decode) and
// the worker's pool of keep-alive connections to the groups' sockets
// (Pool, Conn; the sockets' names are internal/groupsock's).
//
// A request a worker relays goes to the group as HTTP/1.1 on a pooled
// connection, with the one trusted Modpy-Relay header added; the group's
// httpd.Server (TrustRelay, only on its UNIX listener) takes the
// connection facts from it, so its phases, environ and access log see the
// client as the worker did.
//
// It owns the wire format and the connections. It must not touch the
// request phases, the configuration or Python: internal/server decides
// what is relayed and writes the answer to the client.
package relay
