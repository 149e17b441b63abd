package equity

import "math"

// Z95 is the two-sided 95% normal quantile used throughout, as the issue fixes it.
const Z95 = 1.959964

// Wilson gives the Wilson score interval for k successes in n trials. It is used
// rather than the normal (Wald) interval because recruitment shares are often near
// 0 (a group with no one enrolled) where Wald collapses to a point. For k = 0 the
// lower bound is exactly 0 and for k = n the upper bound exactly 1; for n = 0 both
// are NaN (there is no share to bound).
func Wilson(k, n int, z float64) (lo, hi float64) {
	if n <= 0 || k < 0 || k > n {
		return math.NaN(), math.NaN()
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = centre-half, centre+half
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return math.Max(0, lo), math.Min(1, hi)
}
