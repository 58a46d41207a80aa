#!/usr/bin/python3
"""The Python half of scripts/dextbed: run, test, bench, accel.

scripts/dextbed (bash) sets up the host and builds everything, then runs
this with DEXTBED_* variables naming the build products."""
import glob
import importlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests",
                                "integration"))
import harness  # noqa: E402
from harness import Machine, MachineError  # noqa: E402

INTEGRATION_DIR = os.path.join(harness.ROOT, "tests", "integration")
QEMU_BUILD = os.path.dirname(harness.QEMU)


# -- run -----------------------------------------------------------------------
def cmd_run(args):
    accel = harness.choose_accel()
    rundir = os.path.join(harness.BUILD, "run")
    os.makedirs(rundir, exist_ok=True)
    ctl = os.path.join(rundir, "control.sock")
    qmp = os.path.join(rundir, "qmp.sock")
    usbser = os.path.join(rundir, "usb-serial.sock")
    for path in (ctl, qmp, usbser):
        if os.path.exists(path):
            os.unlink(path)
    qemu = harness.machine_args(
        accel, ["-serial", "mon:stdio"],
        ["-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % ctl,
         "-serial", "chardev:ctl"], qmp, usbser) + args
    rel = os.path.relpath(ctl)
    print("dextbed: booting the emulated machine (QEMU %s, accel %s)" %
          (harness.QEMU_VERSION, accel))
    print("dextbed: console below; Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor")
    print("dextbed: control channel (JSON lines): socat - UNIX-CONNECT:%s" % rel)
    print("dextbed: QMP: %s (Wi-Fi NIC: dextbed-wifi id=wifi0 on -netdev user)" %
          os.path.relpath(qmp))
    print("dextbed: USB serial adapter (usbserial0 on qemu-xhci): "
          "socat - UNIX-CONNECT:%s" % os.path.relpath(usbser))
    print("dextbed: USB keyboard+mouse (usbhid0 on qemu-xhci): "
          "QMP input-send-event / send-key")
    sys.stdout.flush()
    os.execv(harness.QEMU, qemu)


# -- test ----------------------------------------------------------------------
class Results:
    def __init__(self, verbose):
        self.rows = []
        self.verbose = verbose

    def add(self, tier, name, ok, seconds=0.0, detail="", skipped=False):
        self.rows.append((tier, name, ok, skipped))
        status = "skip" if skipped else ("ok  " if ok else "FAIL")
        print("%s %-9s %s%s" % (status, tier, name,
                                " (%.1f s)" % seconds if seconds >= 0.05 else ""))
        if detail and (not ok or self.verbose):
            for line in detail.rstrip().splitlines():
                print("         " + line)
        sys.stdout.flush()

    def summary(self):
        passed = sum(1 for r in self.rows if r[2] and not r[3])
        failed = sum(1 for r in self.rows if not r[2])
        skipped = sum(1 for r in self.rows if r[3])
        line = "%d passed, %d failed" % (passed, failed)
        if skipped:
            line += ", %d skipped" % skipped
        return line, failed


TAP_LINE = re.compile(r"^(not ok|ok)\s+\d+\s*(?:-\s*)?(.*?)(\s+#\s*(SKIP|TODO).*)?$", re.I)


def run_tap(results, tier, prefix, cmd, cwd=None, env=None, timeout=600):
    """Run a TAP producer and add one result per test point."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                           timeout=timeout)
        out, err, code = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, code = "timed out after %d s" % timeout, None
    points = 0
    recent = []
    for line in out.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            recent.append(line)
            continue
        points += 1
        ok = m.group(1).lower() == "ok"
        skipped = bool(m.group(4)) and m.group(4).upper() == "SKIP"
        name = m.group(2).strip() or "test %d" % points
        results.add(tier, prefix + name, ok, 0, "\n".join(recent[-20:]), skipped)
        recent = []
    if code != 0 or points == 0:
        results.add(tier, prefix + "(exit status)", False, time.monotonic() - start,
                    "command: %s\nexit status: %s\n%s\n%s" % (
                        " ".join(cmd), code, "\n".join(out.splitlines()[-20:]),
                        err[-3000:]))


def tier_unit(results, flt):
    info = json.loads(subprocess.run(
        ["meson", "introspect", "--tests", harness.BUILD], capture_output=True,
        text=True, check=True).stdout)
    for t in sorted(info, key=lambda t: t["name"]):
        if "unit" not in t.get("suite", []) and not any(
                s.endswith(":unit") for s in t.get("suite", [])):
            continue
        if flt and flt not in t["name"]:
            continue
        run_tap(results, "unit", t["name"] + ": ", t["cmd"], cwd=harness.BUILD,
                timeout=300)


def qtest_names():
    names = sorted(os.path.basename(p)[:-2] for p in glob.glob(
        os.path.join(harness.ROOT, "tests", "qtest", "dextbed-*-test.c")))
    return names + ["device-introspect-test"]


def tier_qtest(results, flt):
    env = dict(os.environ, QTEST_QEMU_BINARY="./qemu-system-x86_64",
               MALLOC_PERTURB_="85")
    for name in qtest_names():
        if flt and flt not in name:
            continue
        binary = os.path.join(QEMU_BUILD, "tests", "qtest", name)
        if not os.path.exists(binary):
            results.add("qtest", name, False, 0, "not built: %s" % binary)
            continue
        run_tap(results, "qtest", name + ": ", [binary, "--tap", "-k"],
                cwd=QEMU_BUILD, env=env, timeout=600)


def tier_guest(results, flt, accel):
    """Kernel self-tests, then the userland test program bin/utest, on one
    machine; each test reports itself on the control channel."""
    start = time.monotonic()
    m = Machine("guest-selftest", accel)

    def record(ev):
        if ev.get("event") == "test":
            results.add("guest", ev["name"], ev["ok"], ev.get("ms", 0) / 1000.0,
                        ev.get("message", ""))
    try:
        m.start()
        m.wait_ready()
        if not flt or not flt.startswith("user."):
            reply = m.command("selftest", timeout=300, filter=flt, on_event=record)
            if reply.get("reply") != "selftest":
                results.add("guest", "(runner)", False, time.monotonic() - start,
                            "unexpected reply: %r" % reply)
            elif reply["passed"] + reply["failed"] == 0 and not flt:
                results.add("guest", "(runner)", False, 0, "the guest ran no self-tests")
        if not flt or flt.startswith("user"):
            t0 = time.monotonic()
            ufilter = flt[len("user."):] if flt.startswith("user.") else ""
            reply, events = m.run("bin/utest", ufilter, timeout=300, on_event=record)
            ran = sum(1 for e in events if e.get("event") == "test")
            if reply["reason"] != "exit" or (ran == 0 and not ufilter):
                results.add("guest", "user.(runner)", False, time.monotonic() - t0,
                            "bin/utest ended with %s (status %s) after %d tests; see %s"
                            % (reply["reason"], reply["status"], ran, m.console_log))
        m.command("exit", code=0)
        m.wait_exit()
    except MachineError as e:
        results.add("guest", "(machine)", False, time.monotonic() - start, str(e))
    finally:
        m.kill()


def integration_tests(flt):
    tests = []
    for path in sorted(glob.glob(os.path.join(INTEGRATION_DIR, "test_*.py"))):
        mod = os.path.basename(path)[:-3]
        src = open(path).read()
        for fn in re.findall(r"^def (test_\w+)\(", src, re.M):
            ident = "%s.%s" % (mod[5:], fn[5:])
            if not flt or flt in ident:
                tests.append((mod, fn, ident))
    return tests


def tier_integration(results, flt, accel):
    scale = harness.ACCEL_SCALE.get(accel, 4.0)
    for mod, fn, ident in integration_tests(flt):
        start = time.monotonic()
        cmd = [sys.executable, os.path.abspath(__file__), "run-one", mod, fn, accel]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=90 * scale)
            ok = p.returncode == 0
            detail = (p.stdout + p.stderr)[-6000:]
        except subprocess.TimeoutExpired as e:
            ok = False
            detail = "the test did not finish within %d s and was killed\n%s" % (
                90 * scale, e.stdout or "")
        results.add("boot" if mod == "test_boot" else "integ", ident, ok,
                    time.monotonic() - start, detail)


def cmd_run_one(args):
    """One integration test in its own process (so a hang fails only it)."""
    mod, fn, accel = args
    module = importlib.import_module(mod)
    ctx = Context(accel, "%s.%s" % (mod, fn))
    try:
        getattr(module, fn)(ctx)
    except AssertionError as e:
        print("assertion failed: %s" % e)
        ctx.dump()
        return 1
    except MachineError as e:
        print(str(e))
        return 1
    finally:
        ctx.cleanup()
    return 0


class Context:
    """What an integration test gets: the accelerator and a machine factory."""

    def __init__(self, accel, name):
        self.accel = accel
        self.name = name
        self.machines = []

    def machine(self, suffix="", **kw):
        m = Machine(self.name + (("-" + suffix) if suffix else ""), self.accel, **kw)
        self.machines.append(m)
        return m

    def dump(self):
        for m in self.machines:
            print("console of %s:\n%s" % (m.name, harness.console_tail_text(m.console_log)))

    def cleanup(self):
        for m in self.machines:
            m.kill()


def cmd_test(args):
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    flt = args[0] if args else ""
    accel = harness.choose_accel()
    results = Results(verbose)
    t0 = time.monotonic()
    print("dextbed: testing with QEMU %s, accel %s%s" % (
        harness.QEMU_VERSION, accel, (", filter '%s'" % flt) if flt else ""))
    tiers = {"unit": tier_unit, "qtest": tier_qtest,
             "guest": lambda r, f: tier_guest(r, f, accel),
             "integration": lambda r, f: tier_integration(r, f, accel)}
    only, _, sub = flt.partition("/")
    if only and only not in tiers:
        raise SystemExit("dextbed: error: unknown tier '%s' in filter '%s'; use one of "
                         "%s, optionally followed by /NAME" % (only, flt, ", ".join(tiers)))
    for name, fn in tiers.items():
        if not only or only == name:
            fn(results, sub)
    line, failed = results.summary()
    print("dextbed: %d tests in %.0f s (accel %s)" % (len(results.rows),
                                                      time.monotonic() - t0, accel))
    if not results.rows:
        print("dextbed: no test matched '%s'" % flt)
        failed = 1
    print(line)
    return 1 if failed else 0


# -- bench ---------------------------------------------------------------------
def boot_once(accel, icount=False):
    m = Machine("bench-boot", accel, icount=icount)
    try:
        start = time.monotonic()
        m.start()
        ev = m.wait_ready(timeout=30)
        wall = time.monotonic() - start
        return wall, ev
    finally:
        m.kill()


def bench_report(name):
    return {"benchmark": name, "qemu_version": harness.QEMU_VERSION,
            "host": {"cpus": os.cpu_count(), "machine": platform.machine(),
                     "cpu_model": cpu_model()},
            "results": []}


def bench_accels():
    forced = os.environ.get("DEXTBED_ACCEL")
    if forced:
        return [harness.choose_accel()]
    if harness.choose_accel(quiet=True) == "kvm":
        return ["tcg", "kvm"]
    return ["tcg"]


def bench_write(name, report):
    out = json.dumps(report, indent=2)
    os.makedirs(os.path.join(harness.BUILD, "bench"), exist_ok=True)
    with open(os.path.join(harness.BUILD, "bench", name + ".json"), "w") as f:
        f.write(out + "\n")
    print(out)


def bench_boot(runs):
    report = bench_report("boot")
    for accel in bench_accels():
        samples = [boot_once(accel)[0] * 1000.0 for _ in range(runs)]
        report["results"].append({
            "accel": accel, "metric": "qemu_start_to_ready_ms", "runs": runs,
            "median": round(statistics.median(samples), 1),
            "min": round(min(samples), 1), "max": round(max(samples), 1),
            "samples": [round(s, 1) for s in samples]})
    counts = [boot_once("tcg", icount=True)[1].get("tsc") for _ in range(2)]
    report["results"].append({
        "accel": "tcg", "metric": "guest_instructions_reset_to_ready",
        "method": "-icount shift=0,sleep=off: one instruction per virtual ns; "
                  "the guest reports the TSC (= virtual ns) when it is ready",
        "value": counts[0], "repeat": counts[1],
        "deterministic": counts[0] == counts[1]})
    bench_write("boot", report)


def ipc_bench_run(accel, icount, calls):
    """One machine: bin/bench null and ipc; their bench events."""
    m = Machine("bench-ipc" + ("-icount" if icount else "-" + accel), accel,
                icount=icount)
    out = {}
    try:
        m.start()
        m.wait_ready(timeout=30)
        for kind in ("null", "ipc"):
            reply, events = m.run("bin/bench", "%s %d" % (kind, calls), timeout=600)
            evs = [e for e in events if e.get("event") == "bench"]
            if reply["reason"] != "exit" or reply["status"] != 0 or not evs:
                raise SystemExit("dextbed: error: bin/bench %s ended with %s status %s; "
                                 "console: %s" % (kind, reply["reason"], reply["status"],
                                                  m.console_log))
            out[kind] = evs[-1]
    finally:
        m.kill()
    return out


def bench_ipc(calls):
    report = bench_report("ipc")
    report["calls"] = calls
    # Guest instructions: deterministic under -icount shift=0, where the TSC
    # counts one tick per instruction.
    ic = ipc_bench_run("tcg", True, calls)
    for kind, metric in (("null", "null_syscall"), ("ipc", "ipc_round_trip")):
        ev = ic[kind]
        report["results"].append({
            "accel": "tcg", "metric": metric + "_guest_instructions",
            "method": "-icount shift=0,sleep=off: rdtsc before and after each call "
                      "counts guest instructions (the two rdtsc included)",
            "calls": ev["calls"], "median": ev["tsc_median"], "p99": ev["tsc_p99"],
            "min": ev["tsc_min"], "mean": ev["tsc_mean"]})
    for accel in bench_accels():
        w = ipc_bench_run(accel, False, calls)
        for kind, metric in (("null", "null_syscall"), ("ipc", "ipc_round_trip")):
            ev = w[kind]
            hz = ev["tsc_hz"] or 1
            row = {"accel": accel, "metric": metric + "_wall_ns",
                   "method": "guest rdtsc per call, converted with the guest's "
                             "PIT-calibrated TSC rate (%d Hz)" % hz,
                   "calls": ev["calls"],
                   "median": round(ev["tsc_median"] * 1e9 / hz, 1),
                   "p99": round(ev["tsc_p99"] * 1e9 / hz, 1),
                   "min": round(ev["tsc_min"] * 1e9 / hz, 1)}
            if accel == "kvm":
                row["tsc_cycles_median"] = ev["tsc_median"]
                row["tsc_cycles_p99"] = ev["tsc_p99"]
            report["results"].append(row)
    bench_write("ipc", report)


# Matching: (personalities, nubs, provider classes).  The first is the
# headline; the "catalogue" rows keep 10 candidates per nub while the
# catalogue grows; the "candidates" rows keep the catalogue and vary the
# candidates per nub.
MATCH_SCENARIOS = [
    ("headline", 10000, 1000, 1000),
    ("catalogue", 1000, 1000, 100),
    ("catalogue", 20000, 1000, 2000),
    ("candidates", 10000, 1000, 10000),
    ("candidates", 10000, 1000, 100),
]


def match_bench_run(accel, icount):
    m = Machine("bench-match" + ("-icount" if icount else "-" + accel), accel,
                icount=icount)
    rows = []
    try:
        m.start()
        m.wait_ready(timeout=60)
        for kind, pers, nubs, classes in MATCH_SCENARIOS:
            r = m.command("bench-match", timeout=900, personalities=pers,
                          nubs=nubs, classes=classes)
            if r.get("reply") != "bench-match":
                raise SystemExit("dextbed: error: bench-match failed: %s (console: %s)"
                                 % (r.get("error"), m.console_log))
            r["scenario"] = kind
            rows.append(r)
    finally:
        m.kill()
    return rows


def bench_match():
    report = bench_report("match")
    report["what"] = ("IOCatalogue_find_candidates per nub: the IOProviderClass "
                      "index lookup over the nub's class chain, the passive match "
                      "of every candidate, and the ranking")
    for r in match_bench_run("tcg", True):
        report["results"].append({
            "accel": "tcg", "scenario": r["scenario"],
            "metric": "match_guest_instructions_per_nub",
            "method": "-icount shift=0,sleep=off: rdtsc around each "
                      "IOCatalogue_find_candidates call counts guest instructions",
            "personalities": r["personalities"], "nubs": r["nubs"],
            "candidates_per_nub": r["candidates_per_nub"],
            "matched_total": r["matched_total"],
            "median": r["tsc_median"], "p99": r["tsc_p99"], "min": r["tsc_min"],
            "max": r["tsc_max"], "all_nubs_total": r["tsc_total"]})
    for accel in bench_accels():
        for r in match_bench_run(accel, False):
            hz = r["tsc_hz"] or 1
            report["results"].append({
                "accel": accel, "scenario": r["scenario"],
                "metric": "match_wall_ns_per_nub",
                "method": "guest rdtsc per call, converted with the guest's "
                          "PIT-calibrated TSC rate (%d Hz)" % hz,
                "personalities": r["personalities"], "nubs": r["nubs"],
                "candidates_per_nub": r["candidates_per_nub"],
                "median": round(r["tsc_median"] * 1e9 / hz, 1),
                "p99": round(r["tsc_p99"] * 1e9 / hz, 1),
                "all_nubs_total_ms": round(r["tsc_total"] * 1e3 / hz, 2)})
    bench_write("match", report)
    for row in report["results"]:
        print("  %-10s %-5s %6d personalities, %3d candidates/nub: median %s %s" % (
            row["scenario"], row["accel"], row["personalities"],
            row["candidates_per_nub"], row["median"],
            "instructions" if "instructions" in row["metric"] else "ns"))


def cmd_bench(args):
    usage = "usage: scripts/dextbed bench boot [--runs N] | ipc [--calls N] | match"
    if not args or args[0] not in ("boot", "ipc", "match"):
        raise SystemExit(usage)

    def number(flag, default, least):
        if flag not in args:
            return default
        try:
            v = int(args[args.index(flag) + 1])
            assert v >= least
            return v
        except (IndexError, ValueError, AssertionError):
            raise SystemExit("dextbed: error: %s takes a whole number >= %d" % (flag, least))
    if args[0] == "boot":
        bench_boot(number("--runs", 5, 1))
    elif args[0] == "match":
        bench_match()
    else:
        bench_ipc(number("--calls", 10000, 10000))
    return 0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv):
    if not argv:
        raise SystemExit("usage: dextbed.py run|test|bench|accel|run-one ...")
    cmd, args = argv[0], argv[1:]
    if cmd == "run":
        return cmd_run(args)
    if cmd == "test":
        return cmd_test(args)
    if cmd == "bench":
        return cmd_bench(args)
    if cmd == "accel":
        print(harness.choose_accel())
        return 0
    if cmd == "ioreg":
        # scripts/lib/ioreg.py: the live registry over the control channel.
        import ioreg
        return ioreg.main(args)
    if cmd == "run-one":
        sys.path.insert(0, INTEGRATION_DIR)
        return cmd_run_one(args)
    raise SystemExit("dextbed: error: unknown command %r" % cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
