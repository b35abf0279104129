package httpapi

import "testing"

func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{`"3"`, `W/"3"`, "*", "", "yesterday", `"-1"`, `"99999999999999999999"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := IfMatch{IfMatch: s}.version()
		if err == nil && v != nil && *v < -1<<62 {
			t.Fatalf("implausible version %d", *v)
		}
	})
}

func TestIfMatch(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{{`"3"`, 3, true}, {`W/"7"`, 7, true}, {"12", 12, true}, {"", 0, true}, {"*", 0, true}, {"x", 0, false}}
	for _, tt := range tests {
		v, err := IfMatch{IfMatch: tt.in}.version()
		if (err == nil) != tt.ok {
			t.Fatalf("%q: err %v", tt.in, err)
		}
		if tt.want != 0 && (v == nil || *v != tt.want) {
			t.Fatalf("%q: got %v, want %d", tt.in, v, tt.want)
		}
	}
}
