package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// answerJSON is how every answer is written: encoding/json's behaviour
// (the v2 engine in its v1 mode, which encoding/json itself becomes), but a
// nil slice is [] and a nil map {}. The document types lists as arrays and
// maps as objects, and in Go a nil one means "none", so no type needs its
// own MarshalJSON to stop a null reaching clients.
var answerJSON = jsonv2.JoinOptions(
	jsonv1.DefaultOptionsV1(),
	jsonv2.FormatNilSliceAsNull(false),
	jsonv2.FormatNilMapAsNull(false),
	jsontext.EscapeForHTML(false),
)

func jsonMarshal(v any) ([]byte, error) { return jsonv2.Marshal(v, answerJSON) }

// jsonFormat is huma's JSON format with answers written by jsonMarshal;
// requests are read by encoding/json, as before.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		b, err := jsonMarshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	},
	Unmarshal: json.Unmarshal,
}

// fileAnswer is the 200 answer of an export operation, declared by hand:
// huma would describe its []byte body as base64 JSON, while it is the file
// itself in one of these media types.
func fileAnswer(description string, types map[string]*huma.Schema) map[string]*huma.Response {
	content := make(map[string]*huma.MediaType, len(types))
	for t, sc := range types {
		content[t] = &huma.MediaType{Schema: sc}
	}
	return map[string]*huma.Response{"200": {Description: description, Content: content}}
}

// text is the schema of a textual file.
var text = &huma.Schema{Type: huma.TypeString}

// alsoAnswers declares a second success status of a registered operation
// whose output sets its status itself (201 when a PUT created, 200 when a
// POST only previewed), with the same body and headers as its default.
func alsoAnswers(api huma.API, method, path string, status int, description string) {
	var o *huma.Operation
	if item := api.OpenAPI().Paths[path]; item != nil {
		switch method {
		case http.MethodPost:
			o = item.Post
		case http.MethodPut:
			o = item.Put
		}
	}
	if o == nil {
		panic("alsoAnswers: no operation " + method + " " + path)
	}
	def := o.Responses[strconv.Itoa(o.DefaultStatus)]
	if def == nil {
		def = o.Responses["200"]
	}
	r := *def
	r.Description = description
	o.Responses[strconv.Itoa(status)] = &r
}
