package equity

import "math"

// poissonPMF is P(X = x) for X ~ Poisson(lambda), in Loader's form.
func poissonPMF(x int, lambda float64) float64 {
	switch {
	case x < 0:
		return 0
	case lambda == 0:
		return b2f(x == 0)
	case x == 0:
		return math.Exp(-lambda)
	}
	xf := float64(x)
	return math.Exp(-stirlerr(xf)-bd0(xf, lambda)) / math.Sqrt(2*math.Pi*xf)
}

// PoissonAtLeast is P(X ≥ m) for X ~ Poisson(lambda): the chance that a group
// enrolling at a steady rate, lambda expected in the time left, enrols at least m
// more.
func PoissonAtLeast(m int, lambda float64) float64 {
	switch {
	case math.IsNaN(lambda) || lambda < 0:
		return math.NaN()
	case m <= 0:
		return 1
	case lambda == 0:
		return 0
	case math.IsInf(lambda, 1):
		return 1
	}
	if float64(m) > lambda {
		// Upper tail: masses fall going up from m.
		t := poissonPMF(m, lambda)
		sum := t
		for i := m; t > sum*1e-17; i++ {
			t *= lambda / float64(i+1)
			sum += t
		}
		return math.Min(1, sum)
	}
	// 1 − P(X ≤ m−1): masses fall going down from m−1.
	t := poissonPMF(m-1, lambda)
	sum := t
	for i := m - 1; i > 0 && t > sum*1e-17; i-- {
		t *= float64(i) / lambda
		sum += t
	}
	return math.Max(0, 1-sum)
}
