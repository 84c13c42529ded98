package request

// Phase is a point where mod_python runs Python handlers: a request phase,
// the connection handler or a filter, known by the directive that
// configures it. Its value is its number, which the Python runtime sends
// with each call (mod_python/_protocol.py's PHASES names them). The table
// below is the one place phases are described: the server takes each
// phase's hook mode from it, the config its directive names, the Python
// runtime its number and name, and mod_python (through the generated
// _protocol.py) its default function and stacking rule.
//
// (Its type is int, not a byte, so that go vet flags a string(phase)
// conversion: the name is p.Name().)
type Phase int

// The phases, in the order Apache runs them (PythonInitHandler runs within
// post-read-request or header-parser), then those outside the request's
// phases.
const (
	// PhaseNone is no phase: req.phase reads "".
	PhaseNone Phase = iota
	PhasePostReadRequest
	PhaseTrans
	PhaseHeaderParser
	PhaseInit
	PhaseAccess
	PhaseAuthen
	PhaseAuthz
	PhaseType
	PhaseFixup
	PhaseHandler
	PhaseLog
	PhaseCleanup
	PhaseConnection
	PhaseOutputFilter
	PhaseInputFilter

	// NumPhases is the number of phases, PhaseNone included.
	NumPhases = iota
)

// HookMode is how Apache runs the hooks of a phase.
type HookMode uint8

const (
	// HookNone: not an Apache hook (a request cleanup, a filter, or a step
	// with no Python handlers): the server decides what runs.
	HookNone HookMode = iota
	// RunFirst: hooks run until one returns other than DECLINED; an OK
	// means the phase is done and the server's own work for it is skipped
	// (translate_name, map_to_storage, check_user_id, type_checker,
	// handler, process_connection).
	RunFirst
	// RunAll: every hook runs; OK and DECLINED go on, anything else stops
	// the request (post_read_request, header_parser, access_checker,
	// fixups, log_transaction).
	RunAll
)

// GoOn is the set of handler results after which the next handler of a
// phase's stack runs (mod_python 3.5's rule, which mod_python/_entry.py
// applies); after any other result the stack stops and that result is the
// phase's.
type GoOn uint8

const (
	// GoOnDeclined: the stack goes on after apache.DECLINED.
	GoOnDeclined GoOn = 1 << iota
	// GoOnOK: the stack goes on after apache.OK.
	GoOnOK
)

type phaseInfo struct {
	name        string // the directive, as req.phase shows it
	defaultFunc string // mod_python's callable for a spec without "::func"
	mode        HookMode
	goOn        GoOn
	request     bool // one of the request phases (RequestPhases)
}

var phaseTable = [NumPhases]phaseInfo{
	PhaseNone:            {},
	PhasePostReadRequest: {"PythonPostReadRequestHandler", "postreadrequesthandler", RunAll, GoOnDeclined | GoOnOK, true},
	PhaseTrans:           {"PythonTransHandler", "transhandler", RunFirst, GoOnDeclined, true},
	PhaseHeaderParser:    {"PythonHeaderParserHandler", "headerparserhandler", RunAll, GoOnDeclined | GoOnOK, true},
	// PythonInitHandler runs inside post-read-request or header-parser,
	// both RUN_ALL hooks.
	PhaseInit:    {"PythonInitHandler", "inithandler", RunAll, GoOnDeclined | GoOnOK, true},
	PhaseAccess:  {"PythonAccessHandler", "accesshandler", RunAll, GoOnDeclined | GoOnOK, true},
	PhaseAuthen:  {"PythonAuthenHandler", "authenhandler", RunFirst, GoOnDeclined, true},
	PhaseAuthz:   {"PythonAuthzHandler", "authzhandler", RunFirst, GoOnDeclined, true},
	PhaseType:    {"PythonTypeHandler", "typehandler", RunFirst, GoOnDeclined, true},
	PhaseFixup:   {"PythonFixupHandler", "fixuphandler", RunAll, GoOnDeclined | GoOnOK, true},
	PhaseHandler: {"PythonHandler", "handler", RunFirst, GoOnOK, true},
	PhaseLog:     {"PythonLogHandler", "loghandler", RunAll, GoOnDeclined | GoOnOK, true},
	PhaseCleanup: {"PythonCleanupHandler", "cleanuphandler", HookNone, GoOnOK, true},
	// One handler, no stack.
	PhaseConnection:   {"PythonConnectionHandler", "connectionhandler", RunFirst, 0, false},
	PhaseOutputFilter: {"PythonOutputFilter", "outputfilter", HookNone, 0, false},
	PhaseInputFilter:  {"PythonInputFilter", "inputfilter", HookNone, 0, false},
}

// RequestPhases are the phases a request runs Python handlers in, in
// Apache's order: the keys of the config's handler lists that
// PythonHandlerModule registers under.
var RequestPhases = requestPhases()

func requestPhases() []Phase {
	var ps []Phase
	for p := Phase(0); p < NumPhases; p++ {
		if phaseTable[p].request {
			ps = append(ps, p)
		}
	}
	return ps
}

// Name is the phase's directive (PythonHandler, PythonAuthenHandler, ...),
// as req.phase shows it; "" for PhaseNone and for a number out of range.
func (p Phase) Name() string {
	if uint(p) >= NumPhases {
		return ""
	}
	return phaseTable[p].name
}

// String is Name.
func (p Phase) String() string { return p.Name() }

// DefaultFunc is mod_python's callable for a handler of the phase given as
// a module without "::func" (handler, authenhandler, outputfilter, ...).
func (p Phase) DefaultFunc() string {
	if uint(p) >= NumPhases {
		return ""
	}
	return phaseTable[p].defaultFunc
}

// Mode is how Apache runs the phase's hooks.
func (p Phase) Mode() HookMode {
	if uint(p) >= NumPhases {
		return HookNone
	}
	return phaseTable[p].mode
}

// GoOn is the set of results after which the phase's next stacked handler
// runs (0: the phase runs one handler).
func (p Phase) GoOn() GoOn {
	if uint(p) >= NumPhases {
		return 0
	}
	return phaseTable[p].goOn
}

// Index is the phase's number, as the Python runtime sends it.
func (p Phase) Index() int { return int(p) }

// PhaseNamed returns the phase whose directive is name, and false if there
// is none (PhaseNone's "" included).
func PhaseNamed(name string) (Phase, bool) {
	if name == "" {
		return PhaseNone, false
	}
	for p := Phase(1); p < NumPhases; p++ {
		if phaseTable[p].name == name {
			return p, true
		}
	}
	return PhaseNone, false
}
