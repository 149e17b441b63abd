package jobs

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errInternalAddress is why a delivery to a special-purpose address is refused.
var errInternalAddress = errors.New("webhook refused: the address is on a loopback, private, shared, reserved or otherwise special-purpose network")

// refusedPrefixes are the IANA special-purpose address ranges (RFC 6890 and its
// successors) and the other ranges no sponsor's public receiver can be on. Without
// EQUITRIAL_WEBHOOK_ALLOW_PRIVATE, a sponsor-supplied URL must not become a way to
// probe or call services inside the network equitrial runs in (server-side request
// forgery), nor reach them through translation (NAT64, 6to4, Teredo) or mapping.
var refusedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		// IPv4
		"0.0.0.0/8",          // "this network"
		"10.0.0.0/8",         // private
		"100.64.0.0/10",      // shared address space (carrier-grade NAT)
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link-local (cloud metadata services live here)
		"172.16.0.0/12",      // private
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // TEST-NET-1
		"192.88.99.0/24",     // 6to4 relay anycast (deprecated)
		"192.168.0.0/16",     // private
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // TEST-NET-2
		"203.0.113.0/24",     // TEST-NET-3
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved
		"255.255.255.255/32", // limited broadcast
		// IPv6
		"::/128",          // unspecified
		"::1/128",         // loopback
		"::/96",           // IPv4-compatible (deprecated)
		"::ffff:0:0/96",   // IPv4-mapped (checked again as IPv4 below)
		"::ffff:0:0:0/96", // IPv4-translated (SIIT)
		"64:ff9b::/96",    // NAT64 well-known prefix
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, benchmarking…)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing SIDs
		"fc00::/7",        // unique local
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// refusedAddr reports whether a webhook must not connect to addr unless the
// deployment allows private networks. IPv4-mapped IPv6 addresses are judged as
// the IPv4 address they carry.
func refusedAddr(addr netip.Addr) bool {
	if !addr.IsValid() {
		return true
	}
	addr = addr.WithZone("")
	for _, a := range []netip.Addr{addr, addr.Unmap()} {
		for _, p := range refusedPrefixes {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// internalIP is refusedAddr for a net.IP.
func internalIP(ip net.IP) bool {
	addr, ok := netip.AddrFromSlice(ip)
	return !ok || refusedAddr(addr)
}

// checkDialAddress is the dialer's check of the address actually dialled, after DNS
// resolution, so a name that resolves to a refused address is refused too.
func checkDialAddress(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || refusedAddr(ap.Addr()) {
		return errInternalAddress
	}
	return nil
}

// webhookClient is the HTTP client for deliveries: a bounded time, no redirects
// (a redirect could lead anywhere), no proxy from the environment, and unless
// allowPrivate, every special-purpose address refused at connect time.
func webhookClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = checkDialAddress
	}
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2},
	}
}

// Plain messages for failed deliveries: what a sponsor is shown of an attempt that
// got no answer. The error itself (addresses, resolver and TLS details of the
// service's network) goes to the service's log only.
const (
	deliveryRefused     = "not sent: the webhook address is on a private or reserved network"
	deliveryNoHost      = "not sent: the webhook's host name was not found"
	deliveryTimeout     = "no answer from the webhook in time"
	deliveryConnRefused = "the webhook's server refused the connection"
	deliveryTLS         = "a secure connection to the webhook could not be made"
	deliveryUnreachable = "the webhook could not be reached"
)

var plainDeliveryErrors = map[string]bool{deliveryRefused: true, deliveryNoHost: true, deliveryTimeout: true,
	deliveryConnRefused: true, deliveryTLS: true, deliveryUnreachable: true}

// plainDeliveryError turns a delivery's connection error into one of the plain
// messages.
func plainDeliveryError(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, errInternalAddress):
		return deliveryRefused
	case errors.As(err, &dnsErr):
		return deliveryNoHost
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return deliveryTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return deliveryConnRefused
	case errors.As(err, &certErr), errors.As(err, &recErr):
		return deliveryTLS
	}
	return deliveryUnreachable
}

// PublicAttemptError is what a sponsor may be shown of a recorded attempt's error:
// the plain message itself, or, for an attempt recorded before errors were made
// plain, a general one.
func PublicAttemptError(recorded string) string {
	if recorded == "" || plainDeliveryErrors[recorded] || recorded == noWebhook {
		return recorded
	}
	return deliveryUnreachable
}
