package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestSectionRows checks -L's section rows against the parser: every
// section it knows has a row, and each row's contexts are where the
// parser takes the section.
func TestSectionRows(t *testing.T) {
	rows := map[string]sectionRow{}
	for _, r := range sectionRows {
		rows[r.tag] = r
		if moduleByName[r.module] == nil {
			t.Errorf("<%s>: module %q is not in the module table", r.tag, r.module)
		}
	}
	for _, tag := range sectionNames {
		if _, ok := rows[tag]; !ok {
			t.Errorf("<%s> has no row in sectionRows", tag)
		}
	}
	if len(rows) != len(sectionNames) {
		t.Errorf("sectionRows has %d sections, the parser %d", len(rows), len(sectionNames))
	}
	args := map[string]string{
		"Directory": "/tmp", "Location": "/", "VirtualHost": "*:80", "Files": "x", "IfModule": "core_module",
		"IfDefine": "X", "IfFile": "/tmp", "IfDirective": "Listen", "IfSection": "Directory",
		"DirectoryMatch": "^/tmp", "LocationMatch": "^/", "FilesMatch": "x", "IfVersion": ">= 2.4",
	}
	contexts := []struct {
		ctx  ctxMask
		wrap string
	}{
		{cMain, "%s"},
		{cVHost, "<VirtualHost *:80>\n%s</VirtualHost>\n"},
		{cDir, "<Directory /tmp>\n%s</Directory>\n"},
		{cFiles, "<Files y>\n%s</Files>\n"},
		{cLoc, "<Location />\n%s</Location>\n"},
	}
	for _, r := range sectionRows {
		body := ""
		if strings.HasPrefix(r.tag, "Require") {
			body = "Require all granted\n"
		}
		sec := fmt.Sprintf("<%s %s>\n%s</%s>\n", r.tag, args[r.tag], body, r.tag)
		if r.tag == "RequireNone" { // never alone: inside a <RequireAll>
			sec = "<RequireAll>\nRequire all granted\n" + sec + "</RequireAll>\n"
		}
		for _, c := range contexts {
			_, _, err := loadText(t, fmt.Sprintf(c.wrap, sec))
			if ok, want := err == nil, r.ctx&c.ctx != 0; ok != want {
				t.Errorf("<%s> in %s: accepted %v, its row says %v (%v)", r.tag, ctxNames(c.ctx), ok, want, err)
			}
		}
	}
}

// TestAllowedIn checks -L's "Allowed in" wording for the context and
// override combinations httpd words differently.
func TestAllowedIn(t *testing.T) {
	for _, c := range []struct {
		ctx  ctxMask
		o    Override
		want string
	}{
		{cServer, 0, "\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n"},
		{cSections, OverrideAuthConfig, "\tAllowed in *.conf only inside <Directory>, <Files>, <Location>, or <If> and in .htaccess\n\twhen AllowOverride includes AuthConfig\n"},
		{cAll, OverrideFileInfo | OverrideIndexes, "\tAllowed in *.conf anywhere and in .htaccess\n\twhen AllowOverride includes FileInfo or Indexes\n"},
		{cAll, OverrideAll, "\tAllowed in *.conf anywhere and in .htaccess\n\twhen AllowOverride isn't None\n"},
		{cAll, 0, "\tAllowed in *.conf anywhere\n"},
	} {
		if got := allowedIn(c.ctx, c.o); got != c.want {
			t.Errorf("allowedIn(%s, %d) = %q, want %q", ctxNames(c.ctx), c.o, got, c.want)
		}
	}
}
