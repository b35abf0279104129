package evidence

import (
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// maxField bounds each form field of an upload.
const maxField = 64 << 10

// UploadFields reads the form fields of an evidence upload up to its file
// part, which it returns unread; the form in the console posts the same.
func UploadFields(mr *multipart.Reader) (FileInput, *multipart.Part, error) {
	var in FileInput
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return in, nil, errs.E(errs.Invalid, "file", "the upload has no file part")
		}
		if err != nil {
			return in, nil, errs.E(errs.Invalid, "file", "the upload does not decode: %v", err)
		}
		if p.FormName() == "file" {
			if strings.TrimSpace(in.Name) == "" {
				in.Name = p.FileName()
			}
			if in.ContentType == "" {
				in.ContentType = p.Header.Get("Content-Type")
			}
			return in, p, nil
		}
		v, err := io.ReadAll(io.LimitReader(p, maxField+1))
		if err != nil || len(v) > maxField {
			return in, nil, errs.E(errs.Invalid, p.FormName(), "the field does not read or is too long")
		}
		s := string(v)
		switch p.FormName() {
		case "name":
			in.Name = s
		case "description":
			in.Description = s
		case "source":
			in.Acquisition.Source = s
		case "method":
			in.Acquisition.Method = s
		case "acquired_by":
			in.Acquisition.By = s
		case "acquired_at":
			if strings.TrimSpace(s) != "" {
				t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
				if err != nil {
					return in, nil, errs.E(errs.Invalid, "acquired_at", "is not an RFC 3339 time")
				}
				in.Acquisition.At = &t
			}
		}
	}
}
