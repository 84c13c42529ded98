package httpd

import (
	"strconv"
	"strings"
)

// statusText holds Apache 2.4's reason phrases (modules/http/http_protocol.c,
// status_lines[]). Codes Apache does not know are absent.
var statusText = map[int]string{
	100: "Continue",
	101: "Switching Protocols",
	102: "Processing",
	103: "Early Hints",

	200: "OK",
	201: "Created",
	202: "Accepted",
	203: "Non-Authoritative Information",
	204: "No Content",
	205: "Reset Content",
	206: "Partial Content",
	207: "Multi-Status",
	208: "Already Reported",
	226: "IM Used",

	300: "Multiple Choices",
	301: "Moved Permanently",
	302: "Found",
	303: "See Other",
	304: "Not Modified",
	305: "Use Proxy",
	307: "Temporary Redirect",
	308: "Permanent Redirect",

	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	406: "Not Acceptable",
	407: "Proxy Authentication Required",
	408: "Request Timeout",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Request Entity Too Large",
	414: "Request-URI Too Long",
	415: "Unsupported Media Type",
	416: "Requested Range Not Satisfiable",
	417: "Expectation Failed",
	421: "Misdirected Request",
	422: "Unprocessable Entity",
	423: "Locked",
	424: "Failed Dependency",
	426: "Upgrade Required",
	428: "Precondition Required",
	429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	451: "Unavailable For Legal Reasons",

	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates",
	507: "Insufficient Storage",
	508: "Loop Detected",
	510: "Not Extended",
	511: "Network Authentication Required",
}

// statusLines caches "HTTP/1.1 NNN Reason\r\n" for every known code, so the
// hot path formats nothing.
var statusLines = func() map[int]string {
	m := make(map[int]string, len(statusText))
	for code, text := range statusText {
		m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
	}
	return m
}()

// StatusText returns Apache's reason phrase for code, such as
// "Request-URI Too Long" for 414, or "" for a code Apache does not know.
func StatusText(code int) string { return statusText[code] }

// statusLine returns the response's status line with its CRLF. A code Apache
// does not name gets an empty reason phrase, which HTTP allows.
func statusLine(code int) string {
	if s, ok := statusLines[code]; ok {
		return s
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " \r\n"
}

// dropsConnection reports whether Apache closes the connection after a
// response with this status (ap_status_drops_connection).
func dropsConnection(code int) bool {
	switch code {
	case 400, 408, 411, 413, 414, 500, 501, 503:
		return true
	}
	return false
}

// bodyless reports whether a response with this status never has a body
// (1xx, 204 and 304), so it gets neither Content-Length nor chunking.
func bodyless(code int) bool {
	return code < 200 || code == 204 || code == 304
}

// ErrorDetails fills the variable parts of Apache's canned error pages.
// Every field is optional.
type ErrorDetails struct {
	// Notes is Apache's "error-notes": trusted HTML appended to the message
	// of 400, 403, 411, 414, 417, 501, 502 and 451, such as "Size of a
	// request header field exceeds server limit.".
	Notes string
	// Method is the request method named by 405, 411, 413 and 501 pages
	// ("GET" when empty). It is HTML-escaped.
	Method string
	// Location is the redirect target of 3xx pages. It is HTML-escaped.
	Location string
	// Expect is the client's Expect header for 417 pages. It is
	// HTML-escaped.
	Expect string
	// URI is the request URI of 451 pages. It is HTML-escaped.
	URI string
	// ServerAdmin is the address a 500 page asks users to contact
	// (Apache's "[no address given]" when empty). It is HTML-escaped.
	ServerAdmin string
	// Signature is trusted HTML placed before </body>, as Apache's
	// ServerSignature adds "<hr>\n<address>...</address>\n".
	Signature string
}

// ErrorBody returns Apache's HTML error page for status, with detail as the
// page's variable part: the error notes of a 400 ("Your browser sent a
// request that this server could not understand.<br />\n" + detail), the
// Location of a redirect, and so on (see ErrorPage). The page is the one
// ap_send_error_response writes, byte for byte, with ServerSignature Off.
func ErrorBody(status int, detail string) []byte {
	d := ErrorDetails{Notes: detail}
	if status >= 300 && status < 400 {
		d.Location = detail
	}
	return ErrorPage(status, d)
}

// ErrorPage returns Apache's HTML error page for status with every variable
// part given explicitly. Its content type is ErrorContentType.
func ErrorPage(status int, d ErrorDetails) []byte {
	title := StatusText(status)
	if title == "" {
		status, title = 500, StatusText(500)
	}
	code := strconv.Itoa(status)
	var b strings.Builder
	b.Grow(256)
	b.WriteString("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>")
	b.WriteString(code)
	b.WriteByte(' ')
	b.WriteString(title)
	b.WriteString("</title>\n</head><body>\n<h1>")
	b.WriteString(title)
	b.WriteString("</h1>\n")
	b.WriteString(cannedMessage(status, &d))
	b.WriteString(d.Signature)
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

// ErrorContentType is the Content-Type of Apache's error pages.
const ErrorContentType = "text/html; charset=iso-8859-1"

// cannedMessage is Apache 2.4's get_canned_error_string.
func cannedMessage(status int, d *ErrorDetails) string {
	method := d.Method
	if method == "" {
		method = "GET"
	}
	method = htmlEscape(method)
	switch status {
	case 301, 302, 307, 308:
		return "<p>The document has moved <a href=\"" + htmlEscape(d.Location) + "\">here</a>.</p>\n"
	case 303:
		return "<p>The answer to your request is located <a href=\"" + htmlEscape(d.Location) + "\">here</a>.</p>\n"
	case 305:
		return "<p>This resource is only accessible through the proxy\n" + htmlEscape(d.Location) +
			"<br />\nYou will need to configure your client to use that proxy.</p>\n"
	case 401, 407:
		return "<p>This server could not verify that you\n" +
			"are authorized to access the document\n" +
			"requested.  Either you supplied the wrong\n" +
			"credentials (e.g., bad password), or your\n" +
			"browser doesn't understand how to supply\n" +
			"the credentials required.</p>\n"
	case 400:
		return "<p>Your browser sent a request that this server could not understand.<br />\n" + d.Notes + "</p>\n"
	case 403:
		return "<p>You don't have permission to access this resource." + d.Notes + "</p>\n"
	case 404:
		return "<p>The requested URL was not found on this server.</p>\n"
	case 405:
		return "<p>The requested method " + method + " is not allowed for this URL.</p>\n"
	case 406:
		return "<p>An appropriate representation of the requested resource could not be found on this server.</p>\n" + d.Notes
	case 300:
		return d.Notes
	case 411:
		return "<p>A request of the requested method " + method + " requires a valid Content-length.<br />\n" + d.Notes + "</p>\n"
	case 412:
		return "<p>The precondition on the request for this URL evaluated to false.</p>\n"
	case 501:
		return "<p>" + method + " not supported for current URL.<br />\n" + d.Notes + "</p>\n"
	case 502:
		return "<p>The proxy server received an invalid\r\nresponse from an upstream server.<br />\r\n" + d.Notes + "</p>\n"
	case 506:
		return "<p>A variant for the requested resource\n<pre>\n\n</pre>\nis itself a negotiable resource. " +
			"This indicates a configuration error.</p>\n"
	case 408:
		return "<p>Server timeout waiting for the HTTP request from the client.</p>\n"
	case 410:
		return "<p>The requested resource is no longer available on this server and there is no forwarding address.\n" +
			"Please remove all references to this resource.</p>\n"
	case 413:
		return "The requested resource does not allow request data with " + method +
			" requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n"
	case 414:
		return "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n" + d.Notes + "</p>\n"
	case 415:
		return "<p>The supplied request data is not in a format\nacceptable for processing by this resource.</p>\n"
	case 416:
		return "<p>None of the range-specifier values in the Range\n" +
			"request-header field overlap the current extent\nof the selected resource.</p>\n"
	case 417:
		var s string
		if d.Expect != "" {
			s = "<p>The expectation given in the Expect request-header\nfield could not be met by this server.\n" +
				"The client sent<pre>\n    Expect: " + htmlEscape(d.Expect) + "\n</pre>\n"
		} else {
			s = "<p>No expectation was seen, the Expect request-header \nfield was not presented by the client.\n"
		}
		return s + d.Notes + "</p><p>Only the 100-continue expectation is supported.</p>\n"
	case 422:
		return "<p>The server understands the media type of the\nrequest entity, but was unable to process the\n" +
			"contained instructions.</p>\n"
	case 423:
		return "<p>The requested resource is currently locked.\nThe lock must be released or proper identification\n" +
			"given before the method can be applied.</p>\n"
	case 424:
		return "<p>The method could not be performed on the resource\nbecause the requested action depended on another\n" +
			"action and that other action failed.</p>\n"
	case 426:
		return "<p>The requested resource can only be retrieved\nusing SSL.  The server is willing to upgrade the current\n" +
			"connection to SSL, but your client doesn't support it.\nEither upgrade your client, or try requesting the page\n" +
			"using https://\n"
	case 428:
		return "<p>The request is required to be conditional.</p>\n"
	case 429:
		return "<p>The user has sent too many requests\nin a given amount of time.</p>\n"
	case 431:
		return "<p>The server refused this request because\nthe request header fields are too large.</p>\n"
	case 507:
		return "<p>The method could not be performed on the resource\nbecause the server is unable to store the\n" +
			"representation needed to successfully complete the\nrequest.  There is insufficient free space left in\n" +
			"your storage allocation.</p>\n"
	case 503:
		return "<p>The server is temporarily unable to service your\nrequest due to maintenance downtime or capacity\n" +
			"problems. Please try again later.</p>\n"
	case 504:
		return "<p>The gateway did not receive a timely response\nfrom the upstream server or application.</p>\n"
	case 508:
		return "<p>The server terminated an operation because\nit encountered an infinite loop.</p>\n"
	case 510:
		return "<p>A mandatory extension policy in the request is not\naccepted by the server for this resource.</p>\n"
	case 511:
		return "<p>The client needs to authenticate to gain\nnetwork access.</p>\n"
	case 421:
		return "<p>The client needs a new connection for this\nrequest as the requested host name does not match\n" +
			"the Server Name Indication (SNI) in use for this\nconnection.</p>\n"
	case 451:
		return "<p>Access to " + htmlEscape(d.URI) + "\nhas been denied for legal reasons.<br />\n" + d.Notes + "</p>\n"
	}
	admin := d.ServerAdmin
	if admin == "" {
		admin = "[no address given]"
	}
	return "<p>The server encountered an internal error or\n" +
		"misconfiguration and was unable to complete\n" +
		"your request.</p>\n" +
		"<p>Please contact the server administrator at \n " + htmlEscape(admin) +
		" to inform them of the time this error occurred,\n" +
		" and the actions you performed just before this error.</p>\n" +
		"<p>More information about this error may be available\n" +
		"in the server error log.</p>\n"
}

// htmlEscape is ap_escape_html: it escapes <, >, & and ".
func htmlEscape(s string) string {
	if !strings.ContainsAny(s, "<>&\"") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
