package jobs

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWebhooksDoNotReachInternalAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL, nil)
	if _, err := webhookClient(false).Do(req); !errors.Is(err, errInternalAddress) {
		t.Fatalf("delivery to %s: %v, want it refused as internal", srv.URL, err)
	}
	req, _ = http.NewRequestWithContext(context.Background(), "POST", srv.URL, nil)
	res, err := webhookClient(true).Do(req)
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("with private networks allowed: %v %v", res, err)
	}
	for ip, internal := range map[string]bool{"127.0.0.1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "100.64.0.1": true, "::1": true, "fd00::1": true, "0.0.0.0": true,
		"8.8.8.8": false, "2a00:1450::1": false, "81.144.0.1": false} {
		if got := internalIP(net.ParseIP(ip)); got != internal {
			t.Errorf("internalIP(%s) = %v, want %v", ip, got, internal)
		}
	}
}
