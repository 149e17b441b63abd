package matcher

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// firstInOrder gives exactly the page a full sort gives, whatever the sizes.
func TestFirstInOrderIsThePageOfAFullSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 50, 4097, 20000} {
		list := make([]int, n)
		for i := range list {
			list[i] = r.IntN(n/3 + 1) // duplicates, as equal keys
		}
		sorted := slices.Clone(list)
		slices.Sort(sorted)
		for _, pg := range [][2]int{{0, 20}, {20, 40}, {n - 5, n + 10}, {0, n}} {
			from, to := max(pg[0], 0), max(pg[1], 0)
			got := firstInOrder(slices.Clone(list), from, to, cmp.Compare[int])
			want := sorted[min(from, n):min(to, n)]
			if !slices.Equal(got, want) {
				t.Fatalf("n %d page %v: got %v, want %v", n, pg, got[:min(5, len(got))], want[:min(5, len(want))])
			}
		}
	}
}
