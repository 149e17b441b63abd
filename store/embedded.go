package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is an in-process FerretDB (SQLite handler) listening on a loopback port:
// a real MongoDB wire-protocol server, so the code that talks to it is the same code
// that talks to MongoDB in production.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	lock   *os.File
	dir    string // the SQLite files
}

// StartEmbedded starts FerretDB with its SQLite files in dir. It holds an exclusive
// lock on dir, because two processes serving one set of SQLite files through two
// FerretDB instances would each cache a different view of the collections.
func StartEmbedded(dir string, logger *slog.Logger) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	lock, err := lockDir(abs)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    logger,
	})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan struct{}), lock: lock, dir: abs}
	go func() {
		defer close(e.done)
		f.Run(ctx)
	}()
	e.uri = f.MongoDBURI()
	embeddedServers.Store(e.uri, e)
	return e, nil
}

// URI is the connection string of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Stop shuts the server down, waits for it to close its files, and releases the lock.
func (e *Embedded) Stop() {
	embeddedServers.Delete(e.uri)
	e.cancel()
	<-e.done
	e.lock.Close()
}

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "equitrial.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded database in %s is in use by another equitrial process (stop it first, or use the HTTP API): %w", dir, err)
	}
	return f, nil
}
