package config

import "strings"

// defaultTypesConfig is read when no TypesConfig directive is given and the
// file exists.
const defaultTypesConfig = "/etc/mime.types"

// builtinMime is always present, so a site works (and tests pass) without
// /etc/mime.types. An explicit TypesConfig file overrides it; the default
// /etc/mime.types only adds extensions it lacks.
var builtinMime = map[string]string{
	"html": "text/html",
	"htm":  "text/html",
	"txt":  "text/plain",
	"css":  "text/css",
	"js":   "text/javascript",
	"json": "application/json",
	"png":  "image/png",
	"jpg":  "image/jpeg",
	"jpeg": "image/jpeg",
	"gif":  "image/gif",
	"svg":  "image/svg+xml",
	"ico":  "image/x-icon",
	"xml":  "application/xml",
	"pdf":  "application/pdf",
}

// readMimeTypes reads a mime.types file: "type ext1 ext2 ..." lines, '#'
// comments. Keys are lower-case extensions without the dot.
func readMimeTypes(file string) (map[string]string, error) {
	data, err := readConfigFile(file, MaxConfigFileSize)
	if err != nil {
		return nil, err
	}
	return parseMimeTypes(string(data)), nil
}

func parseMimeTypes(data string) map[string]string {
	m := make(map[string]string)
	for line := range strings.SplitSeq(data, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		t := strings.ToLower(f[0])
		for _, e := range f[1:] {
			m[strings.ToLower(strings.TrimPrefix(e, "."))] = t
		}
	}
	return m
}
