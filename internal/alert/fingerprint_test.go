package alert

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestFingerprint(t *testing.T) {
	t.Parallel()
	empty := Fingerprint(nil)
	if got := Fingerprint(map[string]string{}); got != empty {
		t.Errorf("empty map %s, nil %s: want equal", got, empty)
	}
	if len(empty) != 64 {
		t.Errorf("len = %d, want 64 hex digits", len(empty))
	}
	distinct := []map[string]string{
		nil,
		{"a": "bc"},
		{"ab": "c"},
		{"a": "b", "c": ""},
		{"a": "b", "": "c"},
		{"a": "", "b": "c"},
		{"a": "b"},
		{"a": "B"},
	}
	seen := map[string]int{}
	for i, ls := range distinct {
		fp := Fingerprint(ls)
		if j, ok := seen[fp]; ok {
			t.Errorf("labels %v and %v share fingerprint %s", distinct[j], ls, fp)
		}
		seen[fp] = i
	}
	// Known values guard against an accidental change of encoding, which
	// would split every stored alert from its repeats. They were computed
	// outside Go, from the encoding as documented on Fingerprint, with
	// Python's hashlib:
	//
	//	h = hashlib.sha256()
	//	for k in sorted(labels):
	//	    for s in (k, labels[k]): b = s.encode(); h.update(struct.pack(">Q", len(b))); h.update(b)
	for _, kat := range []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"alertname": "X"}, "84f9cc6268bad2161c2071a812c19be49fbf6864534d0518f83f231ed1369902"},
		{map[string]string{"job": "node", "alertname": "HighLatency", "instance": "db-1:9100"}, "5fa65ae6386637c93fee2af1b8962122aedba5bc78daf60435144b945441d288"},
	} {
		if got := Fingerprint(kat.labels); got != kat.want {
			t.Fatalf("Fingerprint(%v) = %s, want %s", kat.labels, got, kat.want)
		}
	}
}

func TestFingerprintIndependentOfMapOrder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := r.IntN(12)
		keys := make([]string, n)
		vals := make([]string, n)
		for i := range n {
			keys[i] = "k" + strconv.Itoa(r.IntN(50))
			vals[i] = strconv.Itoa(r.IntN(5))
		}
		a := map[string]string{}
		for i := range n {
			a[keys[i]] = vals[i]
		}
		// Insert the same pairs in another order into a fresh map.
		b := map[string]string{}
		for _, i := range r.Perm(n) {
			if _, ok := a[keys[i]]; ok {
				b[keys[i]] = a[keys[i]]
			}
		}
		if Fingerprint(a) != Fingerprint(b) {
			t.Fatalf("%v and %v: fingerprints differ", a, b)
		}
	}
}
