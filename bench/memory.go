package bench

import (
	"context"
	"fmt"
	"time"
)

// memoryTarget is the limit on the server's memory.
const memoryTarget = 2 << 20 // kB: 2 GB

// peak is the server's memory as /proc/PID/status gives it.
type peak struct {
	hwmKB, rssKB int64
	ready        time.Duration
	after        string
}

// runMemory reports the peak resident memory (VmHWM) of `equitrial serve` with
// the loaded data directory (cfg.Studies studies, cfg.Patients patients): after
// the HTTP scenario's load when it ran, otherwise after starting a server and
// sending each endpoint requests for a second.
func runMemory(ctx context.Context, w *workspace) ([]Row, error) {
	if w.peak == nil {
		sd, err := w.serverDir(ctx)
		if err != nil {
			return nil, err
		}
		srv, err := w.startServer(ctx, sd)
		if err != nil {
			return nil, err
		}
		for _, ep := range endpoints(w, sd) {
			load(ctx, srv.base, ep, 2, time.Second)
		}
		hwm, rss := srv.peakKB()
		w.peak = &peak{hwmKB: hwm, rssKB: rss, ready: srv.ready, after: "after a second of each endpoint"}
		if err := srv.stop(); err != nil {
			return nil, err
		}
	}
	p := w.peak
	if p.hwmKB == 0 {
		return nil, fmt.Errorf("no VmHWM in /proc for the server (not Linux?)")
	}
	patients := 0
	if w.served != nil {
		patients = w.served.patients
	}
	return []Row{{Key: "memory.peak",
		Measure: fmt.Sprintf("server peak resident memory (VmHWM), %s studies and %s patients loaded, %s", count(w.cfg.Studies), count(patients), p.after),
		Value:   fmt.Sprintf("%.0f MB (resident now %.0f MB; ready %s after start)", float64(p.hwmKB)/1024, float64(p.rssKB)/1024, seconds(p.ready)),
		Target:  "≤ 2 GB", Met: met(p.hwmKB <= memoryTarget, w.cfg.Studies >= 100_000 && patients >= 1_000_000),
		Numbers: map[string]float64{"peakMB": float64(p.hwmKB) / 1024}}}, nil
}
