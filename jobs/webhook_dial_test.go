package jobs

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestWebhooksDoNotReachInternalAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL, nil)
	if _, err := webhookClient(false).Do(req); !errors.Is(err, errInternalAddress) {
		t.Fatalf("delivery to %s: %v, want it refused as internal", srv.URL, err)
	}
	// The same loopback server through its IPv4-mapped IPv6 form.
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	req, _ = http.NewRequestWithContext(context.Background(), "POST", "http://[::ffff:127.0.0.1]:"+port, nil)
	if _, err := webhookClient(false).Do(req); !errors.Is(err, errInternalAddress) {
		t.Fatalf("delivery to the IPv4-mapped loopback: %v, want it refused", err)
	}
	req, _ = http.NewRequestWithContext(context.Background(), "POST", srv.URL, nil)
	res, err := webhookClient(true).Do(req)
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("with private networks allowed: %v %v", res, err)
	}
}

// Every special-purpose range is refused at connect time (issue 10, item 5): its
// first and last addresses and, for IPv4, the IPv4-mapped IPv6 form; ordinary
// public addresses are not.
func TestWebhookDialRefusesSpecialPurposeRanges(t *testing.T) {
	refused := []struct{ name, first, last string }{
		{"this network 0.0.0.0/8", "0.0.0.0", "0.255.255.255"},
		{"private 10/8", "10.0.0.0", "10.255.255.255"},
		{"shared 100.64/10", "100.64.0.0", "100.127.255.255"},
		{"loopback 127/8", "127.0.0.1", "127.255.255.254"},
		{"link-local 169.254/16", "169.254.0.1", "169.254.169.254"},
		{"private 172.16/12", "172.16.0.1", "172.31.255.255"},
		{"IETF 192.0.0/24", "192.0.0.0", "192.0.0.255"},
		{"TEST-NET-1 192.0.2/24", "192.0.2.0", "192.0.2.255"},
		{"6to4 relay 192.88.99/24", "192.88.99.0", "192.88.99.255"},
		{"private 192.168/16", "192.168.0.0", "192.168.255.255"},
		{"benchmarking 198.18/15", "198.18.0.0", "198.19.255.255"},
		{"TEST-NET-2 198.51.100/24", "198.51.100.0", "198.51.100.255"},
		{"TEST-NET-3 203.0.113/24", "203.0.113.0", "203.0.113.255"},
		{"multicast 224/4", "224.0.0.1", "239.255.255.255"},
		{"reserved 240/4", "240.0.0.0", "255.255.255.254"},
		{"broadcast", "255.255.255.255", "255.255.255.255"},
		{"unspecified ::", "::", "::"},
		{"loopback ::1", "::1", "::1"},
		{"IPv4-compatible ::/96", "::8.8.8.8", "::ffff:ffff"},
		{"IPv4-translated ::ffff:0:0:0/96", "::ffff:0:8.8.8.8", "::ffff:0:ffff:ffff"},
		{"NAT64 64:ff9b::/96", "64:ff9b::8.8.8.8", "64:ff9b::ffff:ffff"},
		{"local NAT64 64:ff9b:1::/48", "64:ff9b:1::1", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"},
		{"discard 100::/64", "100::", "100::ffff:ffff:ffff:ffff"},
		{"IETF 2001::/23 (Teredo)", "2001::1", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"documentation 2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"6to4 2002::/16", "2002:7f00:1::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"documentation 3fff::/20", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"unique local fc00::/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"link-local fe80::/10", "fe80::1", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"link-local with a zone", "fe80::1%eth0", "fe80::1%1"},
		{"site-local fec0::/10", "fec0::1", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"multicast ff00::/8", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	}
	for _, r := range refused {
		for _, ip := range []string{r.first, r.last} {
			addr := netip.MustParseAddr(ip)
			forms := []string{netip.AddrPortFrom(addr, 443).String()}
			if addr.Is4() {
				forms = append(forms, netip.AddrPortFrom(netip.AddrFrom16(addr.As16()), 443).String()) // ::ffff:a.b.c.d
			}
			for _, f := range forms {
				if err := checkDialAddress("tcp", f, nil); !errors.Is(err, errInternalAddress) {
					t.Errorf("%s: dialling %s allowed, want it refused", r.name, f)
				}
			}
			if !internalIP(net.ParseIP(strings.Split(ip, "%")[0])) {
				t.Errorf("%s: internalIP(%s) = false", r.name, ip)
			}
		}
	}
	for _, ip := range []string{"8.8.8.8", "81.144.0.1", "100.63.255.255", "100.128.0.0", "172.32.0.1", "192.0.1.1",
		"198.17.255.255", "198.20.0.0", "223.255.255.255", "2a00:1450:4009::1", "2001:200::1", "2606:4700::1111"} {
		f := netip.AddrPortFrom(netip.MustParseAddr(ip), 443).String()
		if err := checkDialAddress("tcp", f, nil); err != nil {
			t.Errorf("public address %s refused: %v", ip, err)
		}
	}
	if err := checkDialAddress("tcp", "not-an-address:443", nil); err == nil {
		t.Error("an unreadable address was allowed")
	}
}

// A sponsor sees a plain message for a failed attempt, never the connection error.
func TestPlainDeliveryErrors(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1:9/hook", nil)
	_, err := webhookClient(false).Do(req)
	if got := plainDeliveryError(err); got != deliveryRefused {
		t.Errorf("refused address: %q", got)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	req, _ = http.NewRequest("POST", "http://"+addr+"/hook", nil)
	_, err = webhookClient(true).Do(req)
	if got := plainDeliveryError(err); got != deliveryConnRefused || strings.Contains(got, "127.0.0.1") {
		t.Errorf("closed port: %q (from %v)", got, err)
	}
	for recorded, want := range map[string]string{
		"POST failed: Post \"http://10.0.0.5/x\": dial tcp 10.0.0.5:80: connect: no route to host": deliveryUnreachable,
		deliveryTimeout: deliveryTimeout, "": "", noWebhook: noWebhook,
	} {
		if got := PublicAttemptError(recorded); got != want {
			t.Errorf("PublicAttemptError(%q) = %q, want %q", recorded, got, want)
		}
	}
}
