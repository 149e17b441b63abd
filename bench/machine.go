package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine is what the figures were measured on.
type Machine struct {
	Cores    int     `json:"cores"`    // runtime.NumCPU
	MemoryGB float64 `json:"memoryGB"` // MemTotal of /proc/meminfo
	CPU      string  `json:"cpu,omitempty"`
	Go       string  `json:"go"`
	Load     string  `json:"load,omitempty"` // 1, 5 and 15 minute load averages at the start
}

// ReadMachine describes this machine (Linux /proc; elsewhere what Go knows).
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if kb := procField("/proc/meminfo", "MemTotal"); kb > 0 {
		m.MemoryGB = float64(kb) / (1 << 20)
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	return m
}

func (m Machine) String() string {
	s := fmt.Sprintf("%d cores, %.1f GB", m.Cores, m.MemoryGB)
	if m.CPU != "" {
		s += ", " + m.CPU
	}
	s += ", " + m.Go
	if m.Load != "" {
		s += ", load " + m.Load
	}
	return s
}

// procField reads a "Name:   123 kB" line of a /proc status-like file, in kB; 0
// when absent.
func procField(path, name string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		return n
	}
	return 0
}
