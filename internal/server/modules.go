package server

import (
	"sort"
	"strings"
)

// The server's Apache modules: each one's hooks and content handlers sit
// in its own file (mod_NAME.go, NAME as in Apache's NAME_module), and the
// module is one row of the modules table below. The phase core
// (requestPhases, rstate.process) runs a phase's Python handlers, then the
// hooks the modules registered for it, as Apache runs a hook's functions.
// internal/config registers each module's directives and merge rules under
// the same name.

// modules are the server's modules. Their hooks for one hook point run by
// hook order (Apache's APR_HOOK_*), and by their place in this table among
// those of the same order: so alias_module before wsgi_module before
// userdir_module (translate_name), env_module before alias_module
// (fixups), headers_module's early lines before remoteip_module
// (post_read_request, before Python, as Debian loads them).
var modules = []*module{
	coreModule,
	http2Module,
	pythonModule,
	headersModule,
	remoteipModule,
	setenvifModule,
	envModule,
	aliasModule,
	sslModule,
	wsgiModule,
	userdirModule,
	dirModule,
	autoindexModule,
	mimeModule,
	includeModule,
	cgiModule,
	authzCoreModule,
	authBasicModule,
	authnFileModule,
	authzGroupfileModule,
	statusModule,
	expiresModule,
	deflateModule,
}

// module is one of Apache's modules as the server has it: the hooks it
// takes part in and the content handlers it serves by name.
type module struct {
	// name is Apache's (alias_module), the one <IfModule> knows and
	// config's module table registers the module's directives under.
	name     string
	hooks    []hook
	handlers []contentHandler
}

// hookFunc is a module's work at a hook point for one request. It returns
// OK (done, go on), DECLINED (nothing to do), DONE (the response is
// complete) or an HTTP status to answer with; what each means to the
// phase is its hook mode's (request.RunFirst, request.RunAll).
type hookFunc func(rs *rstate) int

// hook is one function a module runs at a hook point.
type hook struct {
	at    hookPoint
	order hookOrder // orderMiddle unless set
	fn    hookFunc
	// beforePython: the hook runs before the phase's Python handlers, as
	// an APR_HOOK_FIRST hook runs before mod_python's (APR_HOOK_MIDDLE)
	// in Apache; the others run after them.
	beforePython bool
}

// contentHandler serves, in the handler phase, the requests whose handler
// (SetHandler, AddHandler) is name, compared as Apache does, without case.
type contentHandler struct {
	name string
	// serve is nil for a handler the phase's Python hook serves
	// (mod_python), which runs before every module's.
	serve hookFunc
}

// hookPoint is one of Apache's request hooks: one per phase of
// requestPhases, in order.
type hookPoint int

// The hook points, named after Apache's ap_hook_* functions.
const (
	hookPostReadRequest hookPoint = iota
	hookTranslateName
	hookMapToStorage
	hookHeaderParser
	hookAccessChecker
	hookCheckUserID
	hookAuthChecker
	hookTypeChecker
	hookFixups
	hookHandler
)

// hookOrder places a hook among those of a hook point, as Apache's
// APR_HOOK_REALLY_FIRST ... APR_HOOK_REALLY_LAST. Most are orderMiddle
// (the zero value); core's fallbacks (DocumentRoot, the directory walk,
// the default handler) are orderReallyLast, as in Apache.
type hookOrder int

const (
	orderReallyFirst hookOrder = -20
	orderFirst       hookOrder = -10
	orderMiddle      hookOrder = 0
	orderLast        hookOrder = 10
	orderReallyLast  hookOrder = 20
)

// registered is one hook in the order it runs at its hook point.
type registered struct {
	mod          *module
	order        hookOrder
	fn           hookFunc
	handler      string // the content handler's name, for one served by name
	beforePython bool
}

// hooksAt are the modules' functions for hook point at, in the order they
// run: by hook order, then by table place. At hookHandler, each content
// handler a module serves by name is a hook of that module (orderMiddle)
// that declines any other handler, as Apache's handlers do.
func hooksAt(mods []*module, at hookPoint) []registered {
	var out []registered
	for _, m := range mods {
		for _, h := range m.hooks {
			if h.at == at {
				out = append(out, registered{mod: m, order: h.order, fn: h.fn, beforePython: h.beforePython})
			}
		}
		if at != hookHandler {
			continue
		}
		for _, ch := range m.handlers {
			if ch.serve != nil {
				out = append(out, registered{mod: m, order: orderMiddle, fn: byName(ch.name, ch.serve), handler: ch.name})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}

// hookFuncs are the functions of hooks, in their order: those that run
// before the phase's Python handlers, and the others.
func hookFuncs(hooks []registered) (before, after []hookFunc) {
	for _, h := range hooks {
		if h.beforePython {
			before = append(before, h.fn)
		} else {
			after = append(after, h.fn)
		}
	}
	return before, after
}

// byName is the handler hook serving the requests whose handler is name.
func byName(name string, serve hookFunc) hookFunc {
	return func(rs *rstate) int {
		if !strings.EqualFold(rs.req.Handler, name) {
			return resDeclined
		}
		return serve(rs)
	}
}
