package httpd_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"modpy/internal/httpd"
)

// A server answering every request with its path.
func ExampleServer() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &httpd.Server{
		Config: httpd.Config{KeepAlive: true, ServerHeader: "Apache"},
		Handler: httpd.HandlerFunc(func(w *httpd.Response, r *httpd.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "Hello, %s\n", r.Path)
		}),
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /hello%20world HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	resp, _ := io.ReadAll(c)
	for _, line := range strings.Split(string(resp), "\r\n") {
		if !strings.HasPrefix(line, "Date: ") {
			fmt.Println(line)
		}
	}
	// Output:
	// HTTP/1.1 200 OK
	// Server: Apache
	// Content-Length: 20
	// Connection: close
	// Content-Type: text/plain
	//
	// Hello, /hello world
}

// The page Apache sends for a 404.
func ExampleErrorBody() {
	os.Stdout.Write(httpd.ErrorBody(404, ""))
	// Output:
	// <!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
	// <html><head>
	// <title>404 Not Found</title>
	// </head><body>
	// <h1>Not Found</h1>
	// <p>The requested URL was not found on this server.</p>
	// </body></html>
}

// A 400 with Apache's error notes.
func ExampleErrorBody_notes() {
	os.Stdout.Write(httpd.ErrorBody(400, "Size of a request header field exceeds server limit."))
	// Output:
	// <!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
	// <html><head>
	// <title>400 Bad Request</title>
	// </head><body>
	// <h1>Bad Request</h1>
	// <p>Your browser sent a request that this server could not understand.<br />
	// Size of a request header field exceeds server limit.</p>
	// </body></html>
}

func ExampleStatusText() {
	fmt.Println(httpd.StatusText(414))
	fmt.Println(httpd.StatusText(413))
	fmt.Println(httpd.StatusText(408))
	// Output:
	// Request-URI Too Long
	// Request Entity Too Large
	// Request Timeout
}
