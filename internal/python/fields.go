package python

/*
#include "modpy.h"
*/
import "C"

import (
	"strings"

	"modpy/internal/request"
)

func reqGet(e *entry, f int) *C.PyObject {
	r := e.req
	switch f {
	case fURI:
		return pyStr(r.URI)
	case fUnparsedURI:
		return pyStr(r.UnparsedURI)
	case fArgs:
		return pyStrOrNone(r.Args, r.HasArgs)
	case fPathInfo:
		return pyStr(r.PathInfo)
	case fFilename:
		return pyStrOrNone(r.Filename, r.Filename != "")
	case fCanonicalFilename:
		return pyStrOrNone(r.CanonicalFilename, r.CanonicalFilename != "")
	case fMethod:
		return pyStr(r.Method)
	case fMethodNumber:
		return pyInt(int64(r.MethodNum))
	case fProtocol:
		return pyStr(r.Protocol)
	case fProtoNum:
		return pyInt(int64(r.ProtoNum))
	case fHostname:
		return pyStr(r.Hostname)
	case fTheRequest:
		return pyStr(r.TheRequest)
	case fStatus:
		return pyInt(int64(r.Status))
	case fStatusLine:
		return pyStrOrNone(r.StatusLine, r.StatusLine != "")
	case fContentType:
		return pyStrOrNone(r.ContentType, r.ContentType != "")
	case fContentTypeSet:
		return pyBool(r.ContentTypeSet)
	case fUser:
		return pyStrOrNone(r.User, r.User != "")
	case fAPAuthType:
		return pyStrOrNone(r.AuthType, r.AuthType != "")
	case fHandler:
		return pyStrOrNone(r.Handler, r.Handler != "")
	case fPhase:
		return pyStr(r.Phase.Name())
	case fExtension:
		return pyStrOrNone(r.Extension, r.Extension != "")
	case fDocumentRoot:
		return pyStr(r.DocumentRoot)
	case fRequestTime:
		return pyInt(r.RequestTime.UnixMicro())
	case fHeaderOnly:
		return pyBool(r.HeaderOnly)
	case fAuthName:
		return pyStrOrNone(r.AuthName, r.AuthName != "")
	case fBytesSent:
		if r.IO == nil {
			return pyInt(0)
		}
		return pyInt(r.IO.BodyBytes())
	case fAuthTypeConf:
		return pyStrOrNone(r.AuthTypeConf, r.AuthTypeConf != "")
	case fKeepalive, fKeepalives:
		if r.IO == nil {
			return connGet(r.Conn, f)
		}
		st, n := r.IO.KeepAlive()
		if f == fKeepalive {
			return pyInt(int64(st))
		}
		return pyInt(int64(n))
	case fRemoteIP, fRemotePort, fLocalIP, fLocalPort, fConnID:
		return connGet(r.Conn, f)
	case fHeadersSent:
		return pyBool(r.IO != nil && r.IO.HeadersSent())
	case fBodyRead:
		if e.body == nil {
			return pyInt(-1) // no read yet
		}
		return pyInt(e.bodyRead)
	case fInterpreter:
		return pyStr(r.Interpreter)
	case fUserAgentIP:
		return pyStr(r.ClientIP())
	case fUserAgentPort:
		return pyInt(int64(r.ClientPort()))
	case fSignature:
		if r.Hooks == nil {
			return pyStr("")
		}
		return pyStr(r.Hooks.Signature())
	}
	return pyError(C.MODPY_ERR_ATTRIBUTE, "unknown request field")
}

func connGet(c *request.Conn, f int) *C.PyObject {
	if c == nil {
		c = &request.Conn{}
	}
	switch f {
	case fRemoteIP:
		return pyStr(c.RemoteIP)
	case fRemotePort:
		return pyInt(int64(c.RemotePort))
	case fLocalIP:
		return pyStr(c.LocalIP)
	case fLocalPort:
		return pyInt(int64(c.LocalPort))
	case fConnID:
		return pyInt(int64(c.ID))
	case fKeepalive:
		return pyInt(0)
	default:
		return pyInt(int64(c.Keepalives))
	}
}

func reqSet(r *request.Request, f int, v *C.PyObject) *C.PyObject {
	if f == fStatus {
		var ok C.int
		n := C.modpy_as_int(v, &ok)
		if ok == 0 {
			return nil
		}
		if n < 100 || n > 999 {
			return pyError(C.MODPY_ERR_VALUE, "status must be an HTTP status code (100-999)")
		}
		r.Status = int(n)
		return C.modpy_none()
	}
	none := C.modpy_is_none(v) != 0
	s := ""
	if !none {
		var ok bool
		if s, ok = goText(v); !ok {
			return nil
		}
	}
	switch f {
	case fURI:
		r.URI = s
	case fArgs:
		r.Args, r.HasArgs = s, !none
	case fPathInfo:
		r.PathInfo = s
	case fFilename:
		r.Filename = s
	case fCanonicalFilename:
		r.CanonicalFilename = s
	case fStatusLine:
		r.StatusLine = s
	case fContentType:
		if strings.ContainsAny(s, "\r\n") {
			return pyError(C.MODPY_ERR_VALUE, "content_type must not contain a line break")
		}
		r.ContentType, r.ContentTypeSet = s, true
	case fUser:
		r.User = s
	case fAPAuthType:
		r.AuthType = s
	case fHandler:
		r.Handler = s
	default:
		return pyError(C.MODPY_ERR_ATTRIBUTE, "attribute is read-only")
	}
	return C.modpy_none()
}

//export goSrvGet
func goSrvGet(h C.uint64_t, f C.int, base C.int) *C.PyObject {
	s := current.opts.MainServer
	if h != 0 {
		e := lookup(h)
		if e == nil {
			return errGone()
		}
		if rs := reqServer(e.req, base != 0); rs != nil {
			s = rs
		}
	}
	switch int(f) {
	case sHostname:
		return pyStr(s.Hostname)
	case sPort:
		return pyInt(int64(s.Port))
	case sAdmin:
		return pyStr(s.Admin)
	case sIsVirtual:
		return pyBool(s.IsVirtual)
	case sDefnName:
		return pyStr(s.DefnName)
	case sDefnLine:
		return pyInt(int64(s.DefnLine))
	case sTimeout:
		return pyInt(int64(s.Timeout.Seconds()))
	case sErrorFname:
		return pyStr(s.ErrorFname)
	case sLogLevel:
		return pyInt(int64(s.LogLevel))
	case sNames:
		return pyStrList(s.Names)
	case sKeepAlive:
		return pyBool(s.KeepAlive)
	case sKeepAliveTimeout:
		return pyInt(int64(s.KeepAliveTimeout.Seconds()))
	case sKeepAliveMax:
		return pyInt(int64(s.KeepAliveMax))
	case sLimitReqLine:
		return pyInt(int64(s.LimitReqLine))
	case sLimitReqFieldSize:
		return pyInt(int64(s.LimitReqFieldSize))
	case sLimitReqFields:
		return pyInt(int64(s.LimitReqFields))
	case sRestartTime:
		return pyInt(s.RestartTime.Unix())
	case sDaemons:
		return pyInt(int64(s.Daemons))
	case sThreads:
		return pyInt(int64(s.Threads))
	case sRoot:
		return pyStr(s.Root)
	case sPath:
		return pyStr(s.Path)
	case sSoftware:
		return pyStr(s.Software)
	case sDefines:
		return pyStrList(s.Defines)
	}
	return pyError(C.MODPY_ERR_ATTRIBUTE, "unknown server field")
}
