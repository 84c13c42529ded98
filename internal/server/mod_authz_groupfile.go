package server

import (
	"slices"
	"strings"
)

// authz_groupfile_module: the "group" provider of Require, which
// access.go's authzRule calls, reading AuthGroupFile ("group: user1
// user2" lines) again when it changes, as mod_authn_file.go's password
// files.
var authzGroupfileModule = &module{name: "authz_groupfile_module"}

// groupFiles are the group files read so far, by path: user → groups.
var groupFiles = authFiles[map[string][]string]{parse: parseGroupFile}

// groupAuthz is "Require group g1 g2 ...", as mod_authz_groupfile's
// group_check_authorization.
func (rs *rstate) groupAuthz(groups []string) authzResult {
	req := rs.req
	if req.User == "" {
		return authzDeniedNoUser
	}
	f := rs.dc.AuthGroupFile
	if f == nil {
		rs.logModule("authz_groupfile", levelError, "AH01664: No group file was specified in the configuration")
		return authzDenied
	}
	byUser, err := groupFiles.get(*f)
	if err != nil {
		rs.logModule("authz_groupfile", levelError, "%sAH01665: Could not open group file: %s", errnoPrefix(err), *f)
		return authzDenied
	}
	in := byUser[req.User]
	if len(in) == 0 {
		rs.logModule("authz_groupfile", levelInfo, "AH01666: Authorization of user %s to access %s failed, reason: "+
			"user doesn't appear in group file (%s).", req.User, req.URI, *f)
		return authzDenied
	}
	for _, g := range groups {
		for _, h := range in {
			if g == h {
				return authzGranted
			}
		}
	}
	rs.logModule("authz_groupfile", levelDebug, "AH01667: Authorization of user %s to access %s failed, reason: "+
		"user is not part of the 'require'ed group(s).", req.User, req.URI)
	return authzDenied
}

// parseGroupFile reads a group file as mod_authz_groupfile does: "group:
// member member ..." lines (members separated by white space, quoted
// with " or ' when they hold some), "#" comments and blank lines skipped.
func parseGroupFile(b []byte) map[string][]string {
	byUser := map[string][]string{}
	for _, l := range cfgLines(b) {
		if l[0] == '#' {
			continue
		}
		group, members, _ := strings.Cut(l, ":")
		group = strings.TrimRight(group, " \t\r\n\v\f")
		for members != "" {
			var w string
			w, members = confWord(members)
			if w != "" && !slices.Contains(byUser[w], group) {
				byUser[w] = append(byUser[w], group)
			}
		}
	}
	return byUser
}

// confWord is Apache's ap_getword_conf: the first word of s (white space
// ends it, unless it is quoted with " or ', a backslash escaping the
// quote inside) and the rest.
func confWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t\r\n\v\f")
	if s == "" {
		return "", ""
	}
	if q := s[0]; q == '"' || q == '\'' {
		var b strings.Builder
		i := 1
		for ; i < len(s) && s[i] != q; i++ {
			if s[i] == '\\' && i+1 < len(s) && s[i+1] == q {
				i++
			}
			b.WriteByte(s[i])
		}
		if i < len(s) {
			i++
		}
		return b.String(), s[i:]
	}
	i := strings.IndexAny(s, " \t\r\n\v\f")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}
