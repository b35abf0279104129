package cli

import (
	"encoding/json"
	"testing"
)

func TestListShape(t *testing.T) {
	t.Parallel()
	type page struct {
		Items []string `json:"items"`
		Next  string   `json:"next,omitempty"`
	}
	type one struct {
		Name string `json:"name"`
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"bare slice", []one{{"a"}, {"b"}}, `{"items":[{"name":"a"},{"name":"b"}]}`},
		{"nil slice", []one(nil), `{"items":[]}`},
		{"array", [2]int{1, 2}, `{"items":[1,2]}`},
		{"page", page{Items: []string{"x"}, Next: "c1"}, `{"items":["x"],"next":"c1"}`},
		{"page with nil items", page{Next: "c1"}, `{"items":[],"next":"c1"}`},
		{"object", one{"a"}, `{"name":"a"}`},
		{"map", map[string]int{"imported": 2}, `{"imported":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(listShape(tt.v))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("listShape(%#v) = %s, want %s", tt.v, got, tt.want)
			}
		})
	}
}
