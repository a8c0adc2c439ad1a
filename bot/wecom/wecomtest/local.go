package wecomtest

import (
	"io"

	"deliverybot/bot/wecom"
)

// StartLocal starts the fake API for `serve --fake-wecom`. It accepts base's
// credentials (DemoConfig when base.CorpID is empty), prints every delivered
// message to out, serves a placeholder image for any media ID, and returns the config the server should run with: base with
// APIBase pointing at the fake. Close the server on shutdown.
func StartLocal(base wecom.Config, out io.Writer) (*Server, wecom.Config) {
	if base.CorpID == "" {
		base = DemoConfig()
	}
	s := NewServerWith(base)
	s.ServeAnyMedia()
	if out != nil {
		s.SetOutput(out)
	}
	return s, s.Config()
}
