package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// cli is what every subcommand gets from the process: the environment and the
// output streams. Nothing reads os.* directly, so commands can be run in tests.
type cli struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand of the equitrial binary.
type command struct {
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands lists every subcommand; "serve" is the default when none is given.
var commands = map[string]command{
	"serve":    {"run the service (the default)", runServe},
	"import":   {"import trials or patients: import ctgov PATH... | import fhir --org ORG FILE... | import synth --studies N DIR", runImport},
	"sync":     {"fetch trials from ClinicalTrials.gov: sync ctgov --query 'query.locn=United Kingdom' [--since YYYY-MM-DD]", runSync},
	"criteria": {"parse trial eligibility criteria: criteria facts|show", runCriteria},
	"users":    {"staff accounts: users create --role ROLE --org ORG --email EMAIL", runUsers},
	"refdata":  {"reference data: refdata load --postcodes FILE --imd FILE --edition NAME | lookup POSTCODE", runRefdata},
	"bench":    {"scale benchmarks (issue 11): bench [--scenarios import,search,fts5,match,monitor,http,memory] [--studies N] [--patients N]", runBench},
	"keys":     {"encryption keys: keys new ID | keys reseal", runKeys},
	"tokens":   {"API tokens: tokens create --role ROLE --org ORG [--ttl 24h] | revoke ID | list", runTokens},
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := &cli{getenv: getenv, stdout: stdout, stderr: stderr}
	name, rest := "serve", []string(nil)
	if len(args) > 1 {
		name, rest = args[1], args[2:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, c, rest)
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: equitrial [command] [arguments]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, commands[n].summary)
	}
	io.WriteString(w, b.String())
}
