package equity

import (
	"math"
	"testing"
)

// Reference values were computed at 50 digits with mpmath 1.3 (python3), e.g.
// Wilson: c ± h with c = (p + z²/2n)/(1 + z²/n), z = 1.959964; binomial: the exact
// sum of C(n,i)pⁱqⁿ⁻ⁱ for i ≤ k; Poisson: gammainc(m, 0, λ, regularized=True).

func near(got, want, relTol float64) bool {
	if want == 0 {
		return math.Abs(got) <= relTol
	}
	return math.Abs(got-want) <= relTol*math.Abs(want)
}

func TestWilsonAgainstHighPrecision(t *testing.T) {
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.27753280302605772},
		{10, 10, 0.72246719697394228, 1},
		{81, 263, 0.25528851948901575, 0.36620957745801942},
		{15, 148, 0.062386399292758302, 0.16048724227144711},
		{0, 20, 0, 0.16112516018512965},
		{1, 29, 0.006113214225076533, 0.17175522037795662},
		{1, 1, 0.20654931179180274, 1},
		{50, 100, 0.40383152963549297, 0.59616847036450703},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n, Z95)
		if !near(lo, c.lo, 1e-13) || !near(hi, c.hi, 1e-13) {
			t.Errorf("Wilson(%d, %d) = [%.17g, %.17g], want [%.17g, %.17g]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

// Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3 (Wilson
// score without continuity correction), published to four decimal places.
func TestWilsonAgainstNewcombe1998(t *testing.T) {
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n, Z95)
		if math.Abs(lo-c.lo) > 0.00005 || math.Abs(hi-c.hi) > 0.00005 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], Newcombe gives [%.4f, %.4f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

func TestWilsonEdges(t *testing.T) {
	if lo, hi := Wilson(0, 0, Z95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson(0, 0) = [%v, %v], want NaN: there is no share to bound", lo, hi)
	}
	for _, n := range []int{1, 7, 1000, 1000000} {
		if lo, hi := Wilson(0, n, Z95); lo != 0 || hi <= 0 || hi >= 1 {
			t.Errorf("Wilson(0, %d) = [%v, %v], want [0, (0,1)]", n, lo, hi)
		}
		if lo, hi := Wilson(n, n, Z95); hi != 1 || lo <= 0 || lo >= 1 {
			t.Errorf("Wilson(%d, %d) = [%v, %v], want [(0,1), 1]", n, n, lo, hi)
		}
	}
	if lo, _ := Wilson(11, 10, Z95); !math.IsNaN(lo) {
		t.Errorf("Wilson(11, 10) should be NaN, got %v", lo)
	}
}

func TestBinomialCDFAgainstExactSums(t *testing.T) {
	cases := []struct {
		k, n int
		p    float64
		want float64
	}{
		{0, 10, 0.2, 0.1073741824}, // 0.8^10
		{3, 50, 0.2, 0.0056563610121553073},
		{81, 263, 0.4, 0.0012406603365795969},
		{10, 1000, 0.2, 3.2198445846286803e-80},
		{20, 100, 0.093, 0.99968998403964943},
		{2, 200, 0.04, 0.012489138194642075},
		{199000, 1000000, 0.2, 0.0062085379850006708},
		{199500, 1000000, 0.2, 0.10585263125974602},
		{203000, 1000000, 0.2, 0.99999999999996491},
		{499000, 1000000, 0.5, 0.022804149932691043},
		{500500, 1000000, 0.5, 0.84158659584804238},
		{0, 1000000, 0.00001, 4.5397659807613027e-5},
		{5, 1000000, 0.00001, 0.067085017046531187},
	}
	for _, c := range cases {
		if got := BinomialCDF(c.k, c.n, c.p); !near(got, c.want, 1e-11) {
			t.Errorf("BinomialCDF(%d, %d, %g) = %.17g, want %.17g (rel err %.2g)", c.k, c.n, c.p, got, c.want, math.Abs(got-c.want)/c.want)
		}
	}
}

func TestBinomialCDFEdges(t *testing.T) {
	cases := []struct {
		k, n int
		p    float64
		want float64
	}{
		{0, 0, 0.3, 1},  // n = 0: nothing could be fewer
		{5, 5, 0.3, 1},  // n of n
		{-1, 5, 0.3, 0}, // impossible
		{0, 5, 0, 1},    // target 0: X is always 0
		{4, 5, 1, 0},    // target 1: X is always 5
		{5, 5, 1, 1},
		{0, 1, 0.5, 0.5},
	}
	for _, c := range cases {
		if got := BinomialCDF(c.k, c.n, c.p); got != c.want {
			t.Errorf("BinomialCDF(%d, %d, %g) = %v, want %v", c.k, c.n, c.p, got, c.want)
		}
	}
	if !math.IsNaN(BinomialCDF(1, 5, 1.5)) {
		t.Error("BinomialCDF with p > 1 should be NaN")
	}
	// The CDF must rise with k and stay in [0,1] across the whole range.
	prev := -1.0
	for k := 0; k <= 400; k++ {
		got := BinomialCDF(k, 400, 0.093)
		if got < prev || got < 0 || got > 1 {
			t.Fatalf("BinomialCDF(%d, 400, 0.093) = %v after %v", k, got, prev)
		}
		prev = got
	}
}

func TestPoissonAtLeastAgainstRegularisedGamma(t *testing.T) {
	cases := []struct {
		m      int
		lambda float64
		want   float64
	}{
		{1, 0.5, 0.39346934028736658}, // 1 − e^-0.5
		{5, 2.5, 0.10882198108584876},
		{10, 10, 0.54207028552814779},
		{3, 12, 0.9994777419499671},
		{100, 80, 0.017108313035133114},
		{1000, 1100, 0.99894067674607002},
		{20, 1, 1.587527601073263e-19},
	}
	for _, c := range cases {
		if got := PoissonAtLeast(c.m, c.lambda); !near(got, c.want, 1e-11) {
			t.Errorf("PoissonAtLeast(%d, %g) = %.17g, want %.17g", c.m, c.lambda, got, c.want)
		}
	}
	if PoissonAtLeast(0, 0) != 1 || PoissonAtLeast(-3, 2) != 1 {
		t.Error("needing nothing more is certain")
	}
	if PoissonAtLeast(1, 0) != 0 {
		t.Error("with no enrolment rate, needing one more is impossible")
	}
}
