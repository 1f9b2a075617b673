package dropout_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// TestEnvChild prints the kernel in use when run as the child of
// TestSIMDROPKERNEL; on its own it does nothing.
func TestEnvChild(t *testing.T) {
	if os.Getenv("SIMDROP_ENV_CHILD") == "" {
		return
	}
	os.Stdout.WriteString("kernel=" + dropout.Kernel() + "\n")
}

// TestSIMDROPKERNEL: the environment variable selects any usable path at
// start-up; a name that cannot be honoured keeps the fastest path and says so.
func TestSIMDROPKERNEL(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(value string) (stdout, stderr string) {
		cmd := exec.Command(exe, "-test.run=^TestEnvChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SIMDROP_ENV_CHILD=1", "SIMDROP_KERNEL="+value)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) && errors.Is(pe.Err, syscall.ENOEXEC) {
				// Under user-mode emulation without a binfmt_misc entry the
				// binary cannot start itself (.ci/run registers one).
				t.Skipf("cannot re-execute the test binary here: %v", err)
			}
			t.Fatalf("child with SIMDROP_KERNEL=%s: %v\n%s%s", value, err, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	best := dropout.Kernels()[0]
	for _, name := range dropout.Kernels() {
		if out, _ := run(name); !strings.Contains(out, "kernel="+name+"\n") {
			t.Errorf("SIMDROP_KERNEL=%s: child says %q", name, out)
		}
	}
	out, errOut := run("no-such-kernel")
	if !strings.Contains(out, "kernel="+best+"\n") || !strings.Contains(errOut, `"no-such-kernel"`) {
		t.Errorf("SIMDROP_KERNEL=no-such-kernel: stdout %q, stderr %q; want %s and a warning naming it", out, errOut, best)
	}
}
