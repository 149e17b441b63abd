// Package csp carries the per-request Content-Security-Policy nonce from the
// middleware that sets the header to the templates that must use it on any inline
// script or style.
package csp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
)

type key struct{}

// NewNonce returns a fresh random nonce.
func NewNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// WithNonce returns ctx carrying nonce.
func WithNonce(ctx context.Context, nonce string) context.Context {
	return context.WithValue(ctx, key{}, nonce)
}

// Nonce returns the request's nonce ("" outside a request that has one).
func Nonce(ctx context.Context) string {
	n, _ := ctx.Value(key{}).(string)
	return n
}

// Policy is the Content-Security-Policy for a response with the given nonce: only
// this origin's scripts and styles, inline code only with the nonce, no framing.
func Policy(nonce string) string {
	return "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self' 'nonce-" + nonce + "'; " +
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
		"frame-ancestors 'none'; form-action 'self'"
}
