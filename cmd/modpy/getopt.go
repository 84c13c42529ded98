package main

import "strings"

// getopt reads a command line as POSIX getopt (and httpd's apr_getopt)
// does: options are single letters, grouped ("-tS") or not; one that
// takes an argument (a letter followed by ':' in spec) takes the rest of
// its word ("-DFOO") or the next one ("-D FOO"); "--" or the first word
// that is not an option ends them.
type getopt struct {
	spec string
	args []string
	i    int // the word being read
	j    int // the letter being read in it; 0: start a new word
}

// next returns the next option and its argument. It returns ok false at
// the end of the options (rest then has the words left), or with bad set:
// the letter is no option of spec ("illegal option") or lacks its
// argument ("option requires an argument").
func (g *getopt) next() (opt byte, arg string, ok bool, bad string) {
	if g.j == 0 {
		if g.i >= len(g.args) {
			return 0, "", false, ""
		}
		w := g.args[g.i]
		if w == "--" {
			g.i++
			return 0, "", false, ""
		}
		if len(w) < 2 || w[0] != '-' {
			return 0, "", false, ""
		}
		g.j = 1
	}
	w := g.args[g.i]
	opt = w[g.j]
	g.j++
	k := strings.IndexByte(g.spec, opt)
	if opt == ':' || k < 0 {
		g.advanceIfDone()
		return opt, "", false, "illegal option"
	}
	if k+1 < len(g.spec) && g.spec[k+1] == ':' {
		if g.j < len(w) {
			arg = w[g.j:]
		} else if g.i+1 < len(g.args) {
			g.i++
			arg = g.args[g.i]
		} else {
			g.i, g.j = len(g.args), 0
			return opt, "", false, "option requires an argument"
		}
		g.i, g.j = g.i+1, 0
		return opt, arg, true, ""
	}
	g.advanceIfDone()
	return opt, "", true, ""
}

func (g *getopt) advanceIfDone() {
	if g.j >= len(g.args[g.i]) {
		g.i, g.j = g.i+1, 0
	}
}

// rest are the words after the options.
func (g *getopt) rest() []string {
	if g.i >= len(g.args) {
		return nil
	}
	return g.args[g.i:]
}
