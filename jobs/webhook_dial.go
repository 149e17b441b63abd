package jobs

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// errInternalAddress is why a delivery to the service's own networks is refused.
var errInternalAddress = errors.New("webhook refused: the address is on a loopback, private or link-local network")

// cgnat is the carrier-grade NAT range (RFC 6598), private in practice.
var cgnat = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// internalIP reports whether ip is an address a webhook must not reach unless the
// deployment allows it: a sponsor-supplied URL must not become a way to probe or
// call services inside the network equitrial runs in (server-side request forgery).
func internalIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip)
}

// webhookClient is the HTTP client for deliveries: a bounded time, no redirects
// (a redirect could lead anywhere), no proxy from the environment, and unless
// allowPrivate, a check of the address actually dialled, after DNS resolution, so
// a name that resolves to an internal address is refused too.
func webhookClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || internalIP(ip) {
				return errInternalAddress
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2},
	}
}
