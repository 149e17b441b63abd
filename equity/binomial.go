package equity

import "math"

// The probability mass functions below use Loader's saddle-point form (as R's
// dbinom and dpois do): log-factorials are split into Stirling's approximation and
// its small error term, and x·log(x/np) is evaluated stably near np. Computing
// lgamma(n+1)−lgamma(k+1)−… directly would lose nine digits at n = 10^6 to
// cancellation between numbers of size 10^7.

// stirlerrSmall[n] = log(n!) − log(√(2π n)·(n/e)^n), computed at 40 digits.
var stirlerrSmall = [16]float64{
	0.0,
	0.08106146679532725822,
	0.041340695955409294094,
	0.027677925684998339149,
	0.020790672103765093112,
	0.016644691189821192163,
	0.013876128823070747999,
	0.011896709945891770095,
	0.010411265261972096497,
	0.0092554621827127329177,
	0.0083305634333628712565,
	0.007573675487951840795,
	0.0069428401072095298657,
	0.0064089941880042070684,
	0.0059513701127588477356,
	0.005554733551962801371,
}

// stirlerr is the error of Stirling's formula for log(n!), for whole n ≥ 0.
func stirlerr(n float64) float64 {
	const (
		s0 = 1.0 / 12
		s1 = 1.0 / 360
		s2 = 1.0 / 1260
		s3 = 1.0 / 1680
		s4 = 1.0 / 1188
	)
	if n <= 15 {
		return stirlerrSmall[int(n)]
	}
	nn := n * n
	switch {
	case n > 500:
		return (s0 - s1/nn) / n
	case n > 80:
		return (s0 - (s1-s2/nn)/nn) / n
	case n > 35:
		return (s0 - (s1-(s2-s3/nn)/nn)/nn) / n
	}
	return (s0 - (s1-(s2-(s3-s4/nn)/nn)/nn)/nn) / n
}

// bd0 is x·log(x/m) + m − x, the deviance term, computed without cancellation when
// x is close to m.
func bd0(x, m float64) float64 {
	if math.Abs(x-m) < 0.1*(x+m) {
		v := (x - m) / (x + m)
		s := (x - m) * v
		ej := 2 * x * v
		v *= v
		for j := 1; j < 1000; j++ {
			ej *= v
			s1 := s + ej/float64(2*j+1)
			if s1 == s {
				return s1
			}
			s = s1
		}
	}
	return x*math.Log(x/m) + m - x
}

// binomPMF is P(X = k) for X ~ Binomial(n, p).
func binomPMF(k, n int, p float64) float64 {
	q := 1 - p
	x, nf := float64(k), float64(n)
	switch {
	case k < 0 || k > n:
		return 0
	case p == 0:
		return b2f(k == 0)
	case q == 0:
		return b2f(k == n)
	case k == 0:
		if p < 0.1 {
			return math.Exp(-bd0(nf, nf*q) - nf*p)
		}
		return math.Exp(nf * math.Log(q))
	case k == n:
		if q < 0.1 {
			return math.Exp(-bd0(nf, nf*p) - nf*q)
		}
		return math.Exp(nf * math.Log(p))
	}
	lc := stirlerr(nf) - stirlerr(x) - stirlerr(nf-x) - bd0(x, nf*p) - bd0(nf-x, nf*q)
	lf := math.Log(2*math.Pi) + math.Log(x) + math.Log1p(-x/nf)
	return math.Exp(lc - 0.5*lf)
}

// BinomialCDF is P(X ≤ k) for X ~ Binomial(n, p): the exact one-sided p-value of
// enrolling k or fewer of a group out of n if its true share were p.
//
// It sums probability masses outward from k, in whichever tail is the smaller, so
// that each term is a ratio of its neighbour and the sum needs only about
// 40·√(np(1−p)) terms; it is accurate to about 1e-14 relative for n up to 10^7.
func BinomialCDF(k, n int, p float64) float64 {
	switch {
	case n < 0 || math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case k < 0:
		return 0
	case k >= n:
		return 1
	case p == 0:
		return 1
	case p == 1:
		return 0 // k < n here
	}
	q := 1 - p
	if float64(k) <= float64(n)*p {
		// Lower tail: masses fall going down from k.
		t := binomPMF(k, n, p)
		sum := t
		for i := k; i > 0 && t > sum*1e-17; i-- {
			t *= float64(i) / float64(n-i+1) * q / p
			sum += t
		}
		return math.Min(1, sum)
	}
	// Upper tail P(X ≥ k+1): masses fall going up from k+1.
	t := binomPMF(k+1, n, p)
	sum := t
	for i := k + 1; i < n && t > sum*1e-17; i++ {
		t *= float64(n-i) / float64(i+1) * p / q
		sum += t
	}
	return math.Max(0, 1-sum)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
