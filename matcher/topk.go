package matcher

import "slices"

// firstInOrder returns the elements of list that a full sort by cmp would put at
// [from, to), in that order, without sorting the whole list: a page of the
// candidates of a trial over a million patients is 20 of hundreds of thousands,
// and sorting them all (ids compared as strings) dominated trial → patients.
// It keeps the `to` smallest in a bounded max-heap: O(n log to). list is
// reordered.
func firstInOrder[T any](list []T, from, to int, cmp func(a, b T) int) []T {
	to = min(to, len(list))
	from = min(from, to)
	if to == 0 {
		return list[:0]
	}
	if to*8 >= len(list) || len(list) <= 4096 {
		slices.SortFunc(list, cmp)
		return list[from:to]
	}
	h := list[:0:0]
	h = append(h, list[:to]...)
	// a max-heap by cmp: h[0] is the largest kept
	less := func(i, j int) bool { return cmp(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			c := l
			if r := l + 1; r < len(h) && less(r, l) {
				c = r
			}
			if !less(c, i) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range list[to:] {
		if cmp(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h[from:]
}
