package master

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"

	"modpy/internal/config"
	"modpy/internal/groupsock"
)

// TicketKeyEnv names the descriptor on which a worker reads its
// generation's TLS session ticket secret (TicketKeySize bytes, then EOF);
// unset when the configuration has no TLS. Every worker of a generation
// gets the same secret, so a client resumes its TLS session with whichever
// worker takes its next connection, as Apache's children share the ticket
// keys their parent made; a restart makes a new one.
const TicketKeyEnv = "MODPY_TICKET_KEY_FD"

// TicketKeySize is the size of the ticket secret.
const TicketKeySize = 32

// newTicketKey is a generation's ticket secret, nil without TLS.
func newTicketKey(cfg *config.Config) []byte {
	if !cfg.TLSEnabled() {
		return nil
	}
	k := make([]byte, TicketKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil // each worker makes its own keys
	}
	return k
}

// ticketPipe is the reading end of a pipe holding key, for a worker to
// inherit.
func ticketPipe(key []byte) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if _, err := w.Write(key); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// ReadTicketKey is the worker's side: the secret the master passed
// (TicketKeyEnv), read and its descriptor closed; nil when there is none.
func ReadTicketKey() ([]byte, error) { return readKeyPipe(TicketKeyEnv) }

// ReadRelayKey is the worker's side of the relay key (see newRelayKey):
// read from groupsock.RelayKeyEnv's descriptor, which is closed; nil when
// there is none.
func ReadRelayKey() ([]byte, error) { return readKeyPipe(groupsock.RelayKeyEnv) }

// RelayKeyHash is a group process's side: the relay key's SHA-256, from
// groupsock.RelayKeyHashEnv; nil when there is none.
func RelayKeyHash() ([]byte, error) {
	v, ok := os.LookupEnv(groupsock.RelayKeyHashEnv)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(groupsock.RelayKeyHashEnv)
	h, err := hex.DecodeString(v)
	if err != nil || len(h) != sha256.Size {
		return nil, fmt.Errorf("%s=%q", groupsock.RelayKeyHashEnv, v)
	}
	return h, nil
}

// newRelayKey is the secret workers put in the Modpy-Relay headers they
// send to process groups, nil without groups. Workers read it from a
// pipe (never the environment, which processes of their user can read
// in /proc); groups get only its hash, so neither a group's code nor a
// CGI script running as the workers' user can vouch for a client.
func newRelayKey(cfg *config.Config) []byte {
	if len(cfg.Groups) == 0 && cfg.UserDirProcess == nil {
		return nil
	}
	k := make([]byte, TicketKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil
	}
	return k
}

// readKeyPipe reads a secret of TicketKeySize bytes from the descriptor
// env names, closes it and unsets env (not for the processes handlers
// start); nil when env is unset.
func readKeyPipe(env string) ([]byte, error) {
	v, ok := os.LookupEnv(env)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(env)
	fd, err := strconv.Atoi(v)
	if err != nil {
		return nil, fmt.Errorf("%s=%q", env, v)
	}
	f := os.NewFile(uintptr(fd), env)
	if f == nil {
		return nil, fmt.Errorf("%s: no descriptor %d", env, fd)
	}
	defer f.Close()
	k := make([]byte, TicketKeySize)
	if _, err := io.ReadFull(f, k); err != nil {
		return nil, fmt.Errorf("%s: %v", env, err)
	}
	return k, nil
}
