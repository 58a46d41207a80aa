"""Failures are reported, not hidden: kernel panics with a readable report,
a missing or corrupt boot module, and a machine that stops answering."""
import os
import time

import harness


def crash_and_check(ctx, kind, expect):
    m = ctx.machine(kind)
    m.start()
    m.wait_ready()
    try:
        m.command("crash", kind=kind)
    except harness.GuestPanic as e:
        report = str(e)
    else:
        raise AssertionError("crash %s: no panic was reported" % kind)
    # The harness error carries the panic message and the console report.
    assert expect in report, "panic report lacks %r:\n%s" % (expect, report)
    console = m.console()
    assert "PANIC:" in console, console
    assert "backtrace:" in console, console
    # Symbolised frames: the faulting function and its callers by name.
    for fn in ("crash+0x", "control_poll+0x", "kmain+0x"):
        assert fn in console, "backtrace lacks %s:\n%s" % (fn, console)
    assert "dextbed: kernel halted" in console
    return console


def test_panic_invalid_opcode(ctx):
    console = crash_and_check(ctx, "ud2", "invalid opcode (vector 6")
    assert "rip " in console and "rax " in console and "r15 " in console


def test_panic_page_fault(ctx):
    console = crash_and_check(ctx, "pagefault", "page fault (vector 14")
    assert "faulting address (cr2): 0000000000000010" in console, console
    assert "not present, write, kernel mode" in console, console


def test_panic_divide_error(ctx):
    crash_and_check(ctx, "divide", "divide error (vector 0")


def test_panic_software(ctx):
    console = crash_and_check(ctx, "assert", "crash requested on the control channel")
    assert "PANIC: crash requested" in console


def boot_expecting_error(ctx, name, initrd, expect):
    m = ctx.machine(name, initrd=initrd)
    m.start()
    ev = m.wait_event("boot-error")
    assert expect in ev["message"], ev
    m.wait_console("dextbed: boot failed")
    assert "dextbed: ready" not in m.console()
    # A clean stop, not a triple fault: with -no-reboot a reset would end QEMU.
    time.sleep(0.5 * m.scale)
    assert m.alive(), "QEMU exited: the guest reset instead of stopping cleanly"
    assert m.qmp("query-status")["status"] == "running"
    return m.console()


def test_missing_boot_module(ctx):
    console = boot_expecting_error(ctx, "missing", None, "no boot collection")
    assert "-initrd" in console, "the message should say how to pass the module"


def corrupted_copy(ctx, name, mutate):
    with open(harness.BOOTCOL, "rb") as f:
        data = bytearray(f.read())
    data = mutate(data)
    path = os.path.join(harness.RUNS, "bootcol-%s.img" % name)
    os.makedirs(harness.RUNS, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def test_corrupt_boot_module(ctx):
    def flip(d):
        d[-1] ^= 0x40
        return d
    console = boot_expecting_error(ctx, "flipped", corrupted_copy(ctx, "flipped", flip),
                                   "checksum mismatch")
    assert "bootcol: ERROR" in console


def test_truncated_boot_module(ctx):
    boot_expecting_error(ctx, "truncated",
                         corrupted_copy(ctx, "truncated", lambda d: d[:len(d) // 2]),
                         "size does not match")


def test_foreign_boot_module(ctx):
    boot_expecting_error(ctx, "foreign",
                         corrupted_copy(ctx, "foreign", lambda d: bytearray(b"\x7fELF" * 64)),
                         "bad magic")


def test_unresponsive_machine_is_killed(ctx):
    m = ctx.machine()
    m.start()
    m.wait_ready()
    started = time.monotonic()
    try:
        m.wait_event("never-sent", timeout=1)
    except harness.Timeout as e:
        assert "timed out" in str(e) and "console" in str(e), str(e)
    else:
        raise AssertionError("waiting for an event that never comes did not time out")
    assert time.monotonic() - started < 30 * m.scale
    assert not m.alive(), "the harness must kill a machine it gave up on"
