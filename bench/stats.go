package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// latencies collects the durations of one kind of operation.
type latencies []time.Duration

// quantile is the nearest-rank quantile (q in (0, 1]): the smallest duration at
// least q of the samples do not exceed, so p50 ≤ p95 ≤ p99 always holds.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// percentiles are p50, p95 and p99.
type percentiles struct{ p50, p95, p99 time.Duration }

func (l latencies) percentiles() percentiles {
	return percentiles{l.quantile(0.50), l.quantile(0.95), l.quantile(0.99)}
}

// numbers are the percentiles in milliseconds, named prefix+"p50" and so on.
func (p percentiles) numbers(prefix string, into map[string]float64) map[string]float64 {
	if into == nil {
		into = map[string]float64{}
	}
	for name, d := range map[string]time.Duration{"p50": p.p50, "p95": p.p95, "p99": p.p99} {
		into[prefix+name] = float64(d) / float64(time.Millisecond)
	}
	return into
}

func (p percentiles) String() string {
	return fmt.Sprintf("p50 %s, p95 %s, p99 %s", ms(p.p50), ms(p.p95), ms(p.p99))
}

// ms writes a duration in milliseconds to about three significant figures.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// seconds writes a duration in seconds.
func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// ratio is a/b to two significant figures ("0.52×", "14×").
func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	r := a / b
	switch {
	case r < 10:
		return fmt.Sprintf("%.2f×", r)
	case r < 100:
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate writes a per-second rate.
func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	r := float64(n) / d.Seconds()
	if r < 100 {
		return fmt.Sprintf("%.1f", r)
	}
	return count(int(math.Round(r)))
}

// met judges a figure against its target, but only at the target's size: a
// figure from a smaller corpus says little about the target.
func met(ok, atScale bool) string {
	switch {
	case !atScale:
		return ""
	case ok:
		return "yes"
	}
	return "no"
}

// bytesPer writes a size per item in KB.
func bytesPer(total int64, n int) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f KB", float64(total)/float64(n)/1000)
}
