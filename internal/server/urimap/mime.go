package urimap

import (
	"path/filepath"
	"strings"

	"modpy/internal/config"
)

// Type is mod_mime's type checking of a file name: the content type and
// the handler its extensions give by AddType (else the server's
// mime.types, types), AddHandler and AddCharset, then SetHandler's (core's
// in Apache; "none" clears the handler). ctype and handler are the
// request's until now, kept where no directive says otherwise.
func Type(dc *config.DirConfig, types map[string]string, filename, ctype, handler string) (string, string) {
	base := filepath.Base(filename)
	exts := fileExtensions(base)
	charset := ""
	for _, ext := range exts {
		if t, ok := dc.AddTypes[ext]; ok {
			ctype = t
		} else if t, ok := types[ext[1:]]; ok {
			ctype = t
		}
		if h, ok := dc.AddHandlers[ext]; ok {
			handler = h
		}
		if cs, ok := dc.AddCharsets[ext]; ok {
			charset = cs
		}
	}
	if charset != "" && ctype != "" {
		ctype = withCharset(ctype, charset)
	}
	if h, set := dc.ForcedHandler(); set {
		handler = h
	}
	return ctype, handler
}

// fileExtensions returns a file name's extensions, lower-case with their
// dots: "a.tar.gz" → [".tar", ".gz"].
func fileExtensions(base string) []string {
	parts := strings.Split(base, ".")
	if len(parts) < 2 {
		return nil
	}
	out := make([]string, 0, len(parts)-1)
	for _, p := range parts[1:] {
		if p != "" {
			out = append(out, "."+strings.ToLower(p))
		}
	}
	return out
}

// withCharset is mod_mime's AddCharset applied to a media type: its
// charset parameter replaced, or added.
func withCharset(t, cs string) string {
	parts := strings.Split(t, ";")
	out := strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if attr, _, _ := strings.Cut(p, "="); p != "" && !strings.EqualFold(strings.TrimSpace(attr), "charset") {
			out += "; " + p
		}
	}
	return out + "; charset=" + cs
}
