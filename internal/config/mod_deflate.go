package config

import (
	"math"
	"strings"
)

// deflateModule is mod_deflate: the DEFLATE output filter (activated by
// SetOutputFilter, AddOutputFilter or AddOutputFilterByType) and its
// per-server settings. As in Apache the settings are one server config: a
// virtual host that sets none of them has the main server's, one that
// sets any starts from the defaults.
var deflateModule = &module{
	name:    "deflate_module",
	builtin: true,
	directives: []*directive{
		{name: "DeflateCompressionLevel", ctx: cServer, min: 1, max: 1, usage: "1-9", fn: dDeflateNumber},
		{name: "DeflateBufferSize", ctx: cServer, min: 1, max: 1, usage: "bytes", fn: dDeflateNumber},
		{name: "DeflateWindowSize", ctx: cServer, min: 1, max: 1, usage: "1-15", fn: dDeflateNumber},
		{name: "DeflateMemLevel", ctx: cServer, min: 1, max: 1, usage: "1-9", fn: dDeflateNumber},
		{name: "DeflateFilterNote", ctx: cServer, min: 1, max: 2, usage: "[Input|Output|Ratio] notename", fn: dDeflateFilterNote},
		{name: "DeflateAlterETag", ctx: cServer, min: 1, max: 1, usage: "AddSuffix|NoChange|Remove", fn: dDeflateAlterETag},
		// The INFLATE filter's limits: modpy refuses INFLATE (and the
		// DEFLATE input filter), so they limit nothing.
		{name: "DeflateInflateLimitRequestBody", ctx: cAll, override: OverrideAll, min: 1, max: 1, note: noteInflate},
		{name: "DeflateInflateRatioLimit", ctx: cAll, override: OverrideAll, min: 1, max: 1, note: noteInflate},
		{name: "DeflateInflateRatioBurst", ctx: cAll, override: OverrideAll, min: 1, max: 1, note: noteInflate},
	},
}

const noteInflate = "modpy has no inflating input filter (INFLATE, DEFLATE as an input filter are refused); ignored"

// Deflate is mod_deflate's server configuration.
type Deflate struct {
	// Level is DeflateCompressionLevel (1 fastest, 9 smallest); 0 is
	// zlib's default (6).
	Level int
	// BufferSize is DeflateBufferSize: how much compressed output is
	// gathered before it is passed on (default 8096 bytes).
	BufferSize int
	// WindowSize and MemLevel are accepted for zlib; Go's compressor has
	// fixed ones (the output is the same gzip, maybe a little larger).
	WindowSize, MemLevel int
	// The notes DeflateFilterNote names: "" for none.
	NoteInput, NoteOutput, NoteRatio string
	// AlterETag is DeflateAlterETag.
	AlterETag DeflateETag
}

// DeflateETag is DeflateAlterETag's setting.
type DeflateETag uint8

// DeflateAlterETag's values; the zero value is Apache's default.
const (
	ETagAddSuffix DeflateETag = iota // "abc" becomes "abc-gzip"
	ETagNoChange                     // left as it is (2.2's behaviour)
	ETagRemove                       // dropped
)

// DefaultDeflateBufferSize is DeflateBufferSize's default, Apache's.
const DefaultDeflateBufferSize = 8096

// deflateConf is the server's Deflate, made on its first directive.
func (c *call) deflateConf() *Deflate {
	if c.srv.Deflate == nil {
		c.srv.Deflate = &Deflate{BufferSize: DefaultDeflateBufferSize}
	}
	return c.srv.Deflate
}

func dDeflateNumber(p *parser, c *call) error {
	lo, hi := int64(1), int64(9)
	switch c.d.name {
	case "DeflateBufferSize":
		hi = math.MaxInt32
	case "DeflateWindowSize":
		hi = 15
	}
	n, err := c.number(c.args[0], lo, hi)
	if err != nil {
		return err
	}
	d := c.deflateConf()
	switch c.d.name {
	case "DeflateCompressionLevel":
		d.Level = int(n)
	case "DeflateBufferSize":
		d.BufferSize = int(n)
	case "DeflateWindowSize":
		d.WindowSize = int(n)
		p.notice("dir "+c.d.name, c.pos, "DeflateWindowSize: Go's compressor has a fixed 32 KiB window; ignored")
	case "DeflateMemLevel":
		d.MemLevel = int(n)
		p.notice("dir "+c.d.name, c.pos, "DeflateMemLevel: Go's compressor has a fixed memory use; ignored")
	}
	return nil
}

func dDeflateFilterNote(p *parser, c *call) error {
	d := c.deflateConf()
	if len(c.args) == 1 {
		d.NoteRatio = c.args[0]
		return nil
	}
	switch strings.ToLower(c.args[0]) {
	case "ratio":
		d.NoteRatio = c.args[1]
	case "input":
		d.NoteInput = c.args[1]
	case "output":
		d.NoteOutput = c.args[1]
	default:
		return c.errf("unknown note type %s (Input, Output or Ratio)", c.args[0])
	}
	return nil
}

func dDeflateAlterETag(p *parser, c *call) error {
	v, err := keyword(c, "AddSuffix, NoChange or Remove",
		map[string]DeflateETag{"addsuffix": ETagAddSuffix, "nochange": ETagNoChange, "remove": ETagRemove})
	if err != nil {
		return err
	}
	c.deflateConf().AlterETag = v
	return nil
}
