"""The kernel core seen from outside: init and the shell on the console,
user faults that end only their task, a hostile task, run's time limit."""

import re
import time


def settled(m):
    """Wait until init has started the shell, so counts are a fair baseline."""
    m.wait_ready()
    m.wait_console("dextbed$ ")


def assert_no_page_leak(before, after):
    """Free pages come back, except those the kernel heap grew by (it keeps
    them for reuse; heap_allocations shows whether anything is held)."""
    grown = after["heap_pages"] - before["heap_pages"]
    assert after["free_pages"] + grown == before["free_pages"], (before, after)
    assert after["heap_allocations"] == before["heap_allocations"], (before, after)


def test_user_fault_is_contained(ctx):
    with ctx.machine() as m:
        settled(m)
        before = m.command("stats")
        reply, events = m.run("bin/crash", "null")
        assert reply["reason"] == "fault", reply
        assert reply["vector"] == 14 and reply["address"] == 0, reply
        faults = [e for e in events if e.get("event") == "task-fault"]
        assert faults and faults[0]["name"] == "crash", events
        # The log names the task, the fault and the address, with a
        # symbolized user backtrace.
        m.wait_console("ending the task")
        con = m.console()
        line = [l for l in con.splitlines() if l.startswith("task crash[")]
        assert line, con[-2000:]
        assert "page fault: read of an unmapped address 0x0" in line[0], line[0]
        assert len(re.findall(r"  #\d+ 0x[0-9a-f]+ <\w+\+0x[0-9a-f]+>", con)) >= 2, con[-2000:]
        # Everything else carries on: other kinds of fault, then a clean run.
        for mode, vector in (("ud2", 6), ("divide", 0), ("gp", 13), ("kernel", 14),
                             ("write-ro", 14), ("stack-overflow", 14)):
            r, _ = m.run("bin/crash", mode)
            assert r["reason"] == "fault" and r["vector"] == vector, (mode, r)
        assert m.command("ping")["reply"] == "pong"
        after = m.command("stats")
        assert after["user_faults"] == before["user_faults"] + 7, after
        assert after["tasks"] == before["tasks"], (before, after)
        assert_no_page_leak(before, after)


def test_hostile_task_cannot_hurt_the_kernel(ctx):
    with ctx.machine() as m:
        settled(m)
        before = m.command("stats")
        for seed in (1, 2, 3):
            reply, events = m.run("bin/hostile", "20000 %d" % seed, timeout=300)
            # It ends on its own: the kernel neither panics nor corrupts it.
            assert reply["reason"] == "exit" and reply["status"] == 0, reply
            done = [e for e in events if e.get("event") == "hostile"]
            assert done and done[0]["iterations"] == 20000, events
        assert m.command("ping")["reply"] == "pong"
        after = m.command("stats")
        assert after["tasks"] == before["tasks"], (before, after)
        assert after["ports"] == before["ports"], (before, after)
        assert_no_page_leak(before, after)


def test_run_time_limit_and_errors(ctx):
    with ctx.machine() as m:
        m.wait_ready()
        bad = m.command("run", path="bin/no-such-program")
        assert bad["reply"] == "error", bad
        assert "no such program" in bad["error"], bad
        reply, _ = m.run("bin/spin", "busy", timeout=1)
        assert reply["reply"] == "run" and reply["timed_out"] is True, reply
        assert reply["reason"] == "killed", reply
        # spawn / tasks / kill: the task shows up, then goes away.
        pid = m.command("spawn", path="bin/spin", args="sleep")["pid"]
        listing = m.command("tasks")
        names = {t["pid"]: t["name"] for t in listing["tasks"]}
        assert names.get(pid) == "spin", names
        assert listing["more"] == 0 and names.get(1) == "init", listing
        assert m.command("kill", pid=pid)["reply"] == "kill"
        deadline = time.monotonic() + 10 * m.scale
        while any(t["pid"] == pid for t in m.command("tasks")["tasks"]):
            assert time.monotonic() < deadline, "killed task %d never went away" % pid
            time.sleep(0.05)
        assert m.command("kill", pid=pid)["reply"] == "error"
        assert m.command("ping")["reply"] == "pong"


def test_bench_programs_report(ctx):
    """The benchmark's guest side works (numbers are not asserted)."""
    with ctx.machine() as m:
        settled(m)
        for kind in ("null", "ipc"):
            reply, events = m.run("bin/bench", "%s 100" % kind, timeout=60)
            assert reply["reason"] == "exit" and reply["status"] == 0, reply
            ev = [e for e in events if e.get("event") == "bench"]
            assert ev and ev[0]["calls"] == 100 and ev[0]["tsc_median"] > 0, events
            assert ev[0]["tsc_min"] <= ev[0]["tsc_median"] <= ev[0]["tsc_p99"], ev


def test_init_starts_a_shell(ctx):
    with ctx.machine(console_input=True) as m:
        m.wait_ready()
        m.wait_console("init: started")
        m.wait_console("dextbed$ ")
        m.type("ps\r")
        m.wait_console("sh")
        con = m.console()
        assert re.search(r"\b1\b.*init", con), con[-1500:]
        m.type("run crash null\r")
        m.wait_console("crashed")
        m.type("stats\r")
        m.wait_console("free pages")
        m.type("nonsense\r")
        m.wait_console("unknown command")
        # The shell outlives the crash it ran.
        assert m.command("tasks")["reply"] == "tasks"
