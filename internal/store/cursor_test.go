package store

import "testing"

// FuzzDecodeCursor: a cursor comes from clients; anything but one we issued
// is an error, and every cursor we issue decodes to its number.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("bjo0Mg", int64(42))
	f.Add("", int64(0))
	f.Add("!!!", int64(-1))
	f.Fuzz(func(t *testing.T, c string, n int64) {
		decodeCursor(c)
		got, err := decodeCursor(encodeCursor(n))
		if err != nil || got != n {
			t.Fatalf("round trip of %d: %d, %v", n, got, err)
		}
	})
}
