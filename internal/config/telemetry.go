package config

import (
	"fmt"
	"net/url"
)

// LoggingFile configures the server's logs.
type LoggingFile struct {
	// Format is text (the default) or json.
	Format string `yaml:"format"`
}

// TracingFile configures OpenTelemetry tracing, off unless an endpoint
// is named.
type TracingFile struct {
	// OTLPEndpoint is the base URL of an OTLP/HTTP receiver, e.g.
	// http://127.0.0.1:4318; spans are posted to its /v1/traces.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
}

// LogFormat is the configured log format, "" when not set.
func (f File) LogFormat() string {
	if f.Logging == nil {
		return ""
	}
	return f.Logging.Format
}

// OTLPEndpoint is the configured OTLP/HTTP endpoint, "" when not set.
func (f File) OTLPEndpoint() string {
	if f.Tracing == nil {
		return ""
	}
	return f.Tracing.OTLPEndpoint
}

func (f File) checkTelemetry() error {
	switch format := f.LogFormat(); format {
	case "", "text", "json":
	default:
		return fmt.Errorf("logging.format: %q must be text or json", format)
	}
	if e := f.OTLPEndpoint(); e != "" {
		if err := CheckOTLPEndpoint(e); err != nil {
			return fmt.Errorf("tracing.otlp_endpoint: %w", err)
		}
	}
	return nil
}

// CheckOTLPEndpoint reports whether e is an http(s) URL with a host.
func CheckOTLPEndpoint(e string) error {
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:4318", e)
	}
	return nil
}
