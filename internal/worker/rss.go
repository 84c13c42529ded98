package worker

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// ProcessRSS is this process's resident memory (VmRSS from
// /proc/self/status) in bytes, 0 if unknown.
func ProcessRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) >= 1 {
				n, _ := strconv.ParseInt(fields[0], 10, 64)
				if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
					n *= 1024
				}
				return n
			}
		}
	}
	return 0
}
