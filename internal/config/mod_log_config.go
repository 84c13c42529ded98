package config

import "strings"

// logConfigModule is mod_log_config: LogFormat, CustomLog and
// TransferLog (the server writes the lines).
var logConfigModule = &module{
	name:    "log_config_module",
	builtin: true,
	directives: []*directive{
		{name: "LogFormat", ctx: cServer, min: 1, max: 2, usage: "format [nickname]", fn: dLogFormat},
		{name: "CustomLog", ctx: cServer, min: 2, max: 3, usage: "file|\"|command\" format|nickname [env=[!]var]", fn: dCustomLog},
		{name: "TransferLog", ctx: cServer, min: 1, max: 1, usage: "file|\"|command\"", fn: dCustomLog},
		{name: "BufferedLogs", ctx: cMain, min: 1, max: 1, note: noteIgnored},
		{name: "GlobalLog", ctx: cMain, min: 2, max: 3, note: "not supported by modpy; use CustomLog"},
	},
}

// Predefined LogFormat nicknames.
var predefinedLogFormats = map[string]string{
	"common":         `%h %l %u %t "%r" %>s %b`,
	"combined":       `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`,
	"vhost_combined": `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`,
	"referer":        `%{Referer}i -> %U`,
	"agent":          `%{User-agent}i`,
}

func dLogFormat(p *parser, c *call) error {
	format := c.args[0]
	if len(c.args) == 1 {
		if f, ok := p.cfg.LogFormats[format]; ok && !strings.Contains(format, "%") {
			format = f
		}
		p.defaultFmt = format
		return nil
	}
	p.cfg.LogFormats[c.args[1]] = format
	return nil
}

func dCustomLog(p *parser, c *call) error {
	l := CustomLog{Target: p.logTarget(c.args[0]), Pos: c.pos}
	if c.d.name == "TransferLog" {
		l.Format = p.defaultFmt
		if l.Format == "" {
			l.Format = "common"
		}
	} else {
		l.Format = c.args[1]
		if len(c.args) == 3 {
			p.notice("", c.pos, "CustomLog: condition %q is ignored by modpy; every request is logged", c.args[2])
		}
	}
	c.srv.CustomLogs = append(c.srv.CustomLogs, l)
	p.logRefs = append(p.logRefs, logRef{srv: c.srv, i: len(c.srv.CustomLogs) - 1})
	return nil
}
