package main

import (
	"context"
	"errors"
)

// runCriteria is owned by the eligibility work; see eligibility/.
func runCriteria(ctx context.Context, c *cli, args []string) error {
	return errors.New("criteria: not yet built")
}
