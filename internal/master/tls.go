package master

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strconv"

	"modpy/internal/config"
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
func ReadTicketKey() ([]byte, error) {
	v, ok := os.LookupEnv(TicketKeyEnv)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(TicketKeyEnv) // not for the processes handlers start
	fd, err := strconv.Atoi(v)
	if err != nil {
		return nil, fmt.Errorf("%s=%q", TicketKeyEnv, v)
	}
	f := os.NewFile(uintptr(fd), "ticket key")
	if f == nil {
		return nil, fmt.Errorf("%s: no descriptor %d", TicketKeyEnv, fd)
	}
	defer f.Close()
	k := make([]byte, TicketKeySize)
	if _, err := io.ReadFull(f, k); err != nil {
		return nil, fmt.Errorf("%s: %v", TicketKeyEnv, err)
	}
	return k, nil
}
