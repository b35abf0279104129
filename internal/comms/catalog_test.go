package comms

import "testing"

func TestDefaultCatalog(t *testing.T) {
	t.Parallel()
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 61 {
		t.Fatalf("default catalog has %d obligations, want the 61 of obligations.yaml", c.Len())
	}
}
