package table

import (
	"reflect"
	"testing"
)

func TestTable(t *testing.T) {
	var tb Table
	tb.Add("Set-Cookie", "a=1")
	tb.Add("Content-Type", "text/plain")
	tb.Add("set-cookie", "b=2")
	if got := tb.Values("SET-COOKIE"); !reflect.DeepEqual(got, []string{"a=1", "b=2"}) {
		t.Fatalf("Values = %v", got)
	}
	if v, ok := tb.Get("content-type"); !ok || v != "text/plain" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	tb.Set("Set-Cookie", "c=3")
	want := []Entry{{"Set-Cookie", "c=3"}, {"Content-Type", "text/plain"}}
	if !reflect.DeepEqual(tb.Entries(), want) {
		t.Fatalf("after Set: %v", tb.Entries())
	}
	c := tb.Clone()
	tb.Del("set-cookie")
	if tb.Has("Set-Cookie") || tb.Len() != 1 {
		t.Fatalf("after Del: %v", tb.Entries())
	}
	if c.Len() != 2 || c.Value("Set-Cookie") != "c=3" {
		t.Fatalf("clone changed with the original: %v", c.Entries())
	}
	tb.Clear()
	if tb.Len() != 0 || tb.Value("Content-Type") != "" {
		t.Fatalf("after Clear: %v", tb.Entries())
	}
}
