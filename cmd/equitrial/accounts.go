package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"equitrial/auth"
	"equitrial/store"
)

// runUsers: `users create --role ROLE --org ORG --email EMAIL` prints a one-time
// password that the new user must change at first sign-in.
func runUsers(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: equitrial users create --role nurse|sponsor|admin --org ORG --email EMAIL")
	}
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	role := fs.String("role", "", "nurse, sponsor or admin")
	org := fs.String("org", "", "the organisation the user acts for")
	email := fs.String("email", "", "the user's email address, used to sign in")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withStore(ctx, c, func(cfg config, db *store.DB) error {
		u, pw, err := auth.New(db).CreateUser(ctx, *email, *role, *org)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "created %s %s (%s) in %q\none-time password: %s\nThe user must change it at first sign-in. It is not shown again.\n",
			u.Role, u.Email, u.ID, u.Org, pw)
		return nil
	})
}

// runTokens: `tokens create --role ROLE --org ORG [--ttl 24h] [--name NAME]` prints
// an API token; `tokens revoke ID` revokes one; `tokens list` lists them.
func runTokens(ctx context.Context, c *cli, args []string) error {
	usage := errors.New("usage: equitrial tokens create --role ROLE --org ORG [--ttl 24h] [--name NAME] | tokens revoke ID | tokens list")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("tokens create", flag.ContinueOnError)
		fs.SetOutput(c.stderr)
		role := fs.String("role", "", "nurse, sponsor or admin")
		org := fs.String("org", "", "the organisation the token acts for")
		ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
		name := fs.String("name", "", "what the token is for")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return withStore(ctx, c, func(cfg config, db *store.DB) error {
			secret, tok, err := auth.New(db).CreateToken(ctx, *name, *role, *org, *ttl)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s\n", secret)
			fmt.Fprintf(c.stderr, "token %s for %s in %q, valid until %s; it is not shown again\n", tok.ID, tok.Role, tok.Org, tok.ExpiresAt.Format(time.RFC3339))
			return nil
		})
	case "revoke":
		if len(args) != 2 {
			return usage
		}
		return withStore(ctx, c, func(cfg config, db *store.DB) error {
			if err := db.Tokens.Revoke(ctx, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "revoked %s\n", args[1])
			return nil
		})
	case "list":
		return withStore(ctx, c, func(cfg config, db *store.DB) error {
			toks, err := db.Tokens.List(ctx)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(c.stdout)
			for _, t := range toks {
				enc.Encode(t)
			}
			return nil
		})
	}
	return usage
}

// withStore opens the store the server uses (the same MONGODB_URI or data
// directory) for a command that needs no search index.
func withStore(ctx context.Context, c *cli, fn func(config, *store.DB) error) error {
	cfg, err := loadConfig(c.getenv)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{URI: cfg.mongoURI, DataDir: cfg.dataDir})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	return fn(cfg, db)
}
