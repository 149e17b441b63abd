package main

import (
	"context"
	"errors"
	"fmt"

	"equitrial/internal/seal"
	"equitrial/store"
)

// runKeys manages the keys that seal patients' direct identifiers:
//
//	keys new ID   prints a fresh key entry; put it first in EQUITRIAL_DATA_KEYS and
//	              keep the old entries after it, so old values still open
//	keys reseal   re-encrypts every identifier not yet under the current key; once
//	              it reports none left, the old keys can be removed
func runKeys(ctx context.Context, c *cli, args []string) error {
	switch {
	case len(args) == 2 && args[0] == "new":
		fmt.Fprintln(c.stdout, seal.NewKeySpec(args[1]))
		return nil
	case len(args) == 1 && args[0] == "reseal":
		return withStore(ctx, c, func(cfg config, db *store.DB) error {
			keys, _, err := seal.FromEnv(c.getenv, cfg.dataDir)
			if err != nil {
				return err
			}
			db.Patients.SetKeyring(keys)
			n, err := db.Patients.Reseal(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "re-sealed %d patient records under key %s\n", n, keys.Current())
			return nil
		})
	}
	return errors.New("usage: equitrial keys new ID | keys reseal")
}
