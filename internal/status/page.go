package status

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// The HTML page is page.tmpl, rendered with html/template: every value is
// escaped for where it lands (text, attribute), so the template holds no
// escaping of its own.

//go:embed page.tmpl
var pageFiles embed.FS

var pageTmpl = template.Must(template.New("page.tmpl").Funcs(template.FuncMap{
	"ago":         ago,
	"rfc3339":     rfc3339,
	"mib":         mib,
	"duration":    duration,
	"stamp":       func(t time.Time) string { return t.Format("2006-01-02 15:04:05") },
	"deref":       func(f *float64) float64 { return *f },
	"stateClass":  stateClass,
	"replaced":    replaced,
	"busyThreads": busyThreads,
	"restartWhy":  restartWhy,
}).ParseFS(pageFiles, "page.tmpl"))

// pageData is what page.tmpl reads: the status document, the refresh
// period (0: none), and every process, the workers then each group's, for
// the sections that show each one's interpreters.
type pageData struct {
	*statusDoc
	Refresh int
	Procs   []workerStatus
}

// statusHTML renders the page a person reads at a glance.
func statusHTML(d *statusDoc, refresh int) ([]byte, error) {
	procs := append([]workerStatus{}, d.Workers...)
	for _, g := range d.Groups {
		procs = append(procs, g.Processes...)
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, pageData{d, refresh, procs}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stateClass is the CSS class of a worker's state.
func stateClass(state string) string {
	if state == "ready" {
		return "ok"
	}
	return "busy"
}

// replaced is the label of the master's count of replaced workers, with
// the reasons that count.
func replaced(restarts map[string]uint64) string {
	label := "workers replaced"
	if why := restartWhy(restarts); why != "" {
		label += ": " + why
	}
	return label
}

// restartWhy lists the reasons of a group's restarts that count, "" when
// none does.
func restartWhy(restarts map[string]uint64) string {
	var why []string
	for _, r := range sortedKeys(restarts) {
		if n := restarts[r]; n > 0 {
			why = append(why, fmt.Sprintf("%s %d", r, n))
		}
	}
	return strings.Join(why, ", ")
}

// busyThreads is the number of threads running a call, over interpreters.
func busyThreads(interps []interpStatus) int {
	busy := 0
	for _, in := range interps {
		busy += in.BusyThreads
	}
	return busy
}
