// Command equitrial is the one binary of the service: it serves the API and web UI,
// imports trials, loads reference data and runs administrative commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "equitrial:", err)
		os.Exit(1)
	}
}
