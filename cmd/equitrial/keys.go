package main

import (
	"context"
	"errors"
	"fmt"

	"equitrial/internal/seal"
)

// runKeys: `keys new ID` prints a fresh data-key entry to put first in
// EQUITRIAL_DATA_KEYS when rotating keys (keep the old entries after it).
func runKeys(ctx context.Context, c *cli, args []string) error {
	if len(args) == 2 && args[0] == "new" {
		fmt.Fprintln(c.stdout, seal.NewKeySpec(args[1]))
		return nil
	}
	return errors.New("usage: equitrial keys new ID")
}
