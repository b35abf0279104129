package lookupcache

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ttl := 5 * time.Second
	tests := []struct {
		name string
		run  func(c *Cache[string]) (string, bool)
		want string // "" for a miss
	}{
		{"a kept lookup is returned while fresh", func(c *Cache[string]) (string, bool) {
			_, gen, _ := c.Get("h", now)
			c.Put("h", "v", gen, now.Add(ttl))
			v, _, ok := c.Get("h", now.Add(ttl-time.Nanosecond))
			return v, ok
		}, "v"},
		{"and not once its time is up", func(c *Cache[string]) (string, bool) {
			_, gen, _ := c.Get("h", now)
			c.Put("h", "v", gen, now.Add(ttl))
			v, _, ok := c.Get("h", now.Add(ttl))
			return v, ok
		}, ""},
		{"a lookup that began before a change is not kept", func(c *Cache[string]) (string, bool) {
			_, gen, _ := c.Get("h", now) // a lookup begins…
			c.Forget()                   // …what it reads changes and commits…
			c.Put("h", "stale", gen, now.Add(ttl))
			v, _, ok := c.Get("h", now)
			return v, ok
		}, ""},
		{"a change drops what was kept", func(c *Cache[string]) (string, bool) {
			_, gen, _ := c.Get("h", now)
			c.Put("h", "v", gen, now.Add(ttl))
			c.Forget()
			v, _, ok := c.Get("h", now)
			return v, ok
		}, ""},
		{"a lookup after the change is kept", func(c *Cache[string]) (string, bool) {
			c.Forget()
			_, gen, _ := c.Get("h", now)
			c.Put("h", "new", gen, now.Add(ttl))
			v, _, ok := c.Get("h", now)
			return v, ok
		}, "new"},
		{"past MaxEntries it starts over", func(c *Cache[string]) (string, bool) {
			for i := range MaxEntries {
				_, gen, _ := c.Get("k", now)
				c.Put(string(rune('a'+i%26))+string(rune(i)), "x", gen, now.Add(ttl))
			}
			_, gen, _ := c.Get("last", now)
			c.Put("last", "v", gen, now.Add(ttl))
			if n := len(c.entries); n != 1 {
				t.Errorf("%d entries after starting over, want 1", n)
			}
			v, _, ok := c.Get("last", now)
			return v, ok
		}, "v"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Cache[string]
			v, ok := tc.run(&c)
			if ok != (tc.want != "") || v != tc.want {
				t.Fatalf("got %q (found %t), want %q", v, ok, tc.want)
			}
		})
	}
}
