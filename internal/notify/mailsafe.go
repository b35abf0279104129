package notify

import (
	"fmt"
	"mime"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What may go into the header of a mail: every value that reaches one (a
// subject, an address, a file name, a media type) is checked here, at
// input by the services and again when the message is built, so a line
// break can never start a header of its own (Bcc: …) or a part outside
// the recorded text.

// HeaderText checks that s can stand in a header value: valid UTF-8
// without control characters (C0, DEL, C1) or Unicode line and paragraph
// separators. The error says which character and where.
func HeaderText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Errorf("is not valid UTF-8 (at byte %d)", i)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return fmt.Errorf("contains a control character (%U at byte %d)", r, i)
		}
	}
	return nil
}

// AttachmentTypes are the media types a document may carry as files:
// what notices to regulators, customers and people are made of.
var AttachmentTypes = []string{
	"application/pdf",
	"text/plain",
	"text/csv",
	"text/markdown",
	"application/json",
	"image/png",
	"image/jpeg",
	"application/zip",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document", // .docx
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",       // .xlsx
	"application/vnd.oasis.opendocument.text",                                 // .odt
	"application/vnd.oasis.opendocument.spreadsheet",                          // .ods
}

// AttachmentType parses a file's media type strictly (RFC 2045 through
// mime.ParseMediaType), checks it is one of AttachmentTypes with at most
// a charset parameter (text types only), and returns it re-serialised by
// mime.FormatMediaType: nothing of what was given reaches a header as
// written.
func AttachmentType(ct string) (string, error) {
	if err := HeaderText(ct); err != nil {
		return "", err
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("%q is not a media type such as application/pdf", ct)
	}
	if !slices.Contains(AttachmentTypes, mt) {
		return "", fmt.Errorf("%s is not accepted; files may be %s", mt, strings.Join(AttachmentTypes, ", "))
	}
	for k, v := range params {
		if k != "charset" || !strings.HasPrefix(mt, "text/") {
			return "", fmt.Errorf("the parameter %q is not accepted (only charset, on text types)", k)
		}
		if v == "" || len(v) > 40 || strings.IndexFunc(v, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r))
		}) >= 0 {
			return "", fmt.Errorf("the charset %q is not a charset name", v)
		}
	}
	out := mime.FormatMediaType(mt, params)
	if out == "" {
		return "", fmt.Errorf("%q cannot be written as a media type", ct)
	}
	return out, nil
}
