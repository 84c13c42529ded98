package config

import (
	"testing"
	"time"
)

func TestRequestReadTimeout(t *testing.T) {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	def := DefaultReadTimeouts
	tests := []struct {
		name, text string
		want       *ReadTimeouts
	}{
		{"absent", "Timeout 30\n", nil},
		{"module loaded, no directive: mod_reqtimeout's defaults",
			"LoadModule reqtimeout_module /usr/lib/apache2/modules/mod_reqtimeout.so\n", &def},
		{"header only: body keeps its default", "RequestReadTimeout header=2\n",
			&ReadTimeouts{Header: ReadTimeout{Timeout: sec(2)}, Body: def.Body}},
		{"range and rate, any case", "RequestReadTimeout HEADER=10-30,minRATE=200 body=0\n",
			&ReadTimeouts{Header: ReadTimeout{Timeout: sec(10), MaxTimeout: sec(30), MinRate: 200}}},
		{"Debian's two lines", "LoadModule reqtimeout_module mod_reqtimeout.so\n<IfModule reqtimeout_module>\n" +
			"RequestReadTimeout header=20-40,minrate=500\nRequestReadTimeout body=10,minrate=500\n</IfModule>\n",
			&ReadTimeouts{Header: def.Header, Body: ReadTimeout{Timeout: sec(10), MinRate: 500}}},
		{"a later line replaces only the stages it names", "RequestReadTimeout header=5 body=6\nRequestReadTimeout body=7\n",
			&ReadTimeouts{Header: ReadTimeout{Timeout: sec(5)}, Body: ReadTimeout{Timeout: sec(7)}}},
		{"handshake is kept", "RequestReadTimeout handshake=5 header=0 body=0\n",
			&ReadTimeouts{Handshake: ReadTimeout{Timeout: sec(5)}}},
		{"rate without a maximum", "RequestReadTimeout body=10,MinRate=1000\n",
			&ReadTimeouts{Header: def.Header, Body: ReadTimeout{Timeout: sec(10), MinRate: 1000}}},
		{"in a VirtualHost: the whole server's applies", "<VirtualHost *:80>\nRequestReadTimeout header=1\n</VirtualHost>\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustLoad(t, tt.text).Process.RequestReadTimeout
			switch {
			case got == nil && tt.want == nil:
			case got == nil || tt.want == nil || *got != *tt.want:
				t.Errorf("RequestReadTimeout = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRequestReadTimeoutErrors(t *testing.T) {
	runErrCases(t, []errCase{
		{"no key", "RequestReadTimeout 20\n", 1, "RequestReadTimeout", "Parameter must be in the form 'key=value'"},
		{"unknown stage", "RequestReadTimeout headers=20\n", 1, "RequestReadTimeout", "headers=20: Unknown RequestReadTimeout parameter"},
		{"range without MinRate", "RequestReadTimeout header=20-40\n", 1, "RequestReadTimeout", "Must set MinRate option if using timeout range"},
		{"max not above initial", "RequestReadTimeout header=40-20,MinRate=500\n", 1, "RequestReadTimeout", "Maximum timeout must be larger than initial timeout"},
		{"equal range", "\nRequestReadTimeout header=20-20,MinRate=500\n", 2, "RequestReadTimeout", "Maximum timeout must be larger"},
		{"zero rate", "RequestReadTimeout body=20,MinRate=0\n", 1, "RequestReadTimeout", "Minimum data rate must be larger than 0"},
		{"negative", "RequestReadTimeout body=-5\n", 1, "RequestReadTimeout", "Must set MinRate option"},
		{"negative with rate", "RequestReadTimeout body=-5,MinRate=1\n", 1, "RequestReadTimeout", "Value '' not numerical"},
		{"fraction", "RequestReadTimeout header=2.5\n", 1, "RequestReadTimeout", "Cannot parse '2.5'"},
		{"unit", "RequestReadTimeout header=2s\n", 1, "RequestReadTimeout", "Cannot parse '2s'"},
		{"empty", "RequestReadTimeout header=\n", 1, "RequestReadTimeout", "Value '' not numerical"},
		{"bad rate", "RequestReadTimeout header=1,MinRate=fast\n", 1, "RequestReadTimeout", "Cannot parse 'fast'"},
		{"bad one after good ones", "RequestReadTimeout header=1 body=1 handshake=x\n", 1, "RequestReadTimeout", "handshake=x: Cannot parse 'x'"},
		{"in a Directory", "<Directory /x>\nRequestReadTimeout header=1\n</Directory>\n", 2, "RequestReadTimeout", "not allowed in <Directory>"},
	})
}
