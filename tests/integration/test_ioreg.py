"""ioreg: the guest's bin/ioreg, the control channel's "ioreg" command fed to
the host formatter ioreg-format, and `scripts/dextbed ioreg` against a
machine started the way `scripts/dextbed run` starts it."""

import contextlib
import io
import os
import plistlib
import re
import shutil
import subprocess
import sys
import time

import harness

sys.path.insert(0, os.path.join(harness.ROOT, "scripts", "lib"))
import ioreg  # noqa: E402

ROOT_LINE = re.compile(r"^\+-o Root  <class IORegistryEntry, id 0x[0-9a-f]+, retain \d+>$")
RESOURCES_LINE = re.compile(r"^  \+-o IOResources  <class IOResources, id 0x[0-9a-f]+, "
                            r"registered, matched, active, busy \d+, retain \d+>$")


def settled(m):
    """Booted, IOKit's first matching done, init has started the shell."""
    m.wait_ready()
    m.wait_console("dextbed$ ")


def guest_ioreg(m, args=""):
    """Run bin/ioreg ARGS; its exit status and output lines (the console
    lines it printed, without the "[ioreg:PID] " prefix)."""
    before = len(m.console())
    reply, _ = m.run("bin/ioreg", args)
    assert reply["reason"] == "exit", reply
    prefix = "[ioreg:%d] " % reply["pid"]
    lines = [l[len(prefix):] for l in m.console()[before:].splitlines()
             if l.startswith(prefix)]
    return reply["status"], lines


def control_archive(m, plane="IOService"):
    """The archive from the control channel's "ioreg" command (bytes)."""
    chunks = []
    reply = m.command("ioreg", timeout=30, plane=plane,
                      on_event=lambda ev: chunks.append(ev)
                      if ev.get("event") == "ioreg-data" else None)
    assert reply.get("reply") == "ioreg", reply
    assert [c["seq"] for c in chunks] == list(range(reply["chunks"])), (reply, len(chunks))
    xml = "".join(c["data"] for c in chunks).encode("latin-1")
    assert len(xml) == reply["bytes"], (len(xml), reply)
    return xml


def host_format(xml, args=()):
    """ioreg-format ARGS on xml: (exit status, output lines)."""
    fmt = ioreg.formatter_path()
    assert os.path.exists(fmt), "ioreg-format is not built: %s" % fmt
    p = subprocess.run([fmt] + list(args), input=xml, capture_output=True, timeout=60)
    assert not p.stderr or p.returncode != 0, p.stderr
    return p.returncode, p.stdout.decode().splitlines()


def entry_lines(lines):
    return [l for l in lines if "+-o " in l]


def test_guest_ioreg_shows_the_registry(ctx):
    with ctx.machine() as m:
        settled(m)
        status, lines = guest_ioreg(m, "-l")
        assert status == 0, lines
        assert lines and ROOT_LINE.match(lines[0]), lines[:5]
        assert any(RESOURCES_LINE.match(l) for l in lines), "\n".join(lines)
        # IOResources' properties: the resources published at boot.
        assert any(l.strip(" |") == '"IOKit" = Yes' for l in lines), "\n".join(lines)
        # Property blocks open and close; the archive's own keys are not
        # properties.
        assert sum(1 for l in lines if l.strip(" |") == "{") == len(entry_lines(lines))
        assert not any('"IORegistryEntryName"' in l or '"IOServiceState"' in l
                       for l in lines), "\n".join(lines)
        # Without -l: entry lines only, no properties.
        status, plain = guest_ioreg(m)
        assert status == 0 and plain == entry_lines(lines), (plain, lines)
        # Every line fits the default width.
        assert all(len(l) <= 132 for l in lines), max(lines, key=len)


def test_guest_ioreg_filters_and_errors(ctx):
    with ctx.machine() as m:
        settled(m)
        status, lines = guest_ioreg(m, "-c IOResources")
        assert status == 0, lines
        entries = entry_lines(lines)
        # Root (the way down), IOResources with its properties, and only
        # what is under it.
        assert ROOT_LINE.match(entries[0]) and RESOURCES_LINE.match(entries[1]), entries
        assert all(l.startswith("    ") for l in entries[2:]), entries
        assert any(l.strip(" |") == '"IOKit" = Yes' for l in lines), lines
        # -r: IOResources as the root of its own tree.
        status, lines = guest_ioreg(m, "-r -c IOResources -d 1")
        assert status == 0 and lines[0].startswith("+-o IOResources  <class IOResources"), lines
        status, lines = guest_ioreg(m, "-c NoSuchClass")
        assert status == 1 and lines == [
            "ioreg: no entry in the IOService plane matches -c NoSuchClass"], lines
        status, lines = guest_ioreg(m, "-q")
        assert status == 2 and lines[0] == "ioreg: unknown option -q", lines
        assert lines[1].startswith("usage: ioreg [-ailrx]"), lines
        status, lines = guest_ioreg(m, "-p NoSuchPlane")
        assert status == 1 and "unknown plane 'NoSuchPlane'" in lines[0], lines
        # Another plane.
        status, lines = guest_ioreg(m, "-p IOPower -d 1")
        assert status == 0 and ROOT_LINE.match(lines[0]), lines


def test_guest_ioreg_archive_parses(ctx):
    with ctx.machine() as m:
        settled(m)
        status, lines = guest_ioreg(m, "-a -l")
        assert status == 0, lines
        root = plistlib.loads("\n".join(lines).encode())
        assert root["IORegistryEntryName"] == "Root", root.keys()
        assert root["IOObjectClassChain"][-1] == "OSObject", root
        res = [c for c in root["IORegistryEntryChildren"] if c["IOObjectClass"] == "IOResources"]
        assert res and res[0]["IOKit"] is True, root["IORegistryEntryChildren"]
        assert res[0]["IOObjectClassChain"][:2] == ["IOResources", "IOService"], res[0]
        # -a -r -c: an array of the matching subtrees.
        status, lines = guest_ioreg(m, "-a -r -c IOResources")
        found = plistlib.loads("\n".join(lines).encode())
        assert status == 0 and [e["IOObjectClass"] for e in found] == ["IOResources"], found
        assert found[0]["IOKit"] is True, found


def test_control_ioreg_matches_the_guest(ctx):
    with ctx.machine() as m:
        settled(m)
        for args in ("", "-l", "-l -c IOResources", "-i -d 2"):
            status, guest = guest_ioreg(m, args)
            assert status == 0, guest
            host_status, host = host_format(control_archive(m), args.split())
            assert host_status == 0, host
            # The guest's console shows an empty line as a single space.
            assert [l.rstrip() for l in host] == [l.rstrip() for l in guest], (
                args, "\n".join(host), "\n".join(guest))
        # The archive round-trips through ioreg-format -a -l.
        xml = control_archive(m)
        status, out = host_format(xml, ["-a", "-l"])
        assert status == 0
        assert plistlib.loads("\n".join(out).encode()) == plistlib.loads(xml)
        bad = m.command("ioreg", plane="NoSuchPlane")
        assert bad["reply"] == "error" and "unknown plane" in bad["error"], bad
        status, lines = host_format(control_archive(m, "IOPower"))
        assert status == 0 and ROOT_LINE.match(lines[0]), lines
        assert m.command("ping")["reply"] == "pong"


def run_mode_machine(ctx, rundir):
    """QEMU as `scripts/dextbed run` starts it: the control channel is a
    socket QEMU serves (server=on,wait=off); the console goes to a file."""
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    ctl = os.path.join(rundir, "control.sock")
    console = os.path.join(rundir, "console.log")
    args = harness.machine_args(
        ctx.accel, ["-chardev", "file,id=con,path=" + console, "-serial", "chardev:con"],
        ["-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % ctl,
         "-serial", "chardev:ctl"],
        os.path.join(rundir, "qmp.sock"), os.path.join(rundir, "usb-serial.sock"))
    with open(os.path.join(rundir, "qemu.log"), "wb") as log:
        proc = subprocess.Popen(args + ["-no-reboot"], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log)
    scale = harness.ACCEL_SCALE.get(ctx.accel, 4.0)
    deadline = time.monotonic() + 30 * scale
    while True:
        try:
            with open(console, errors="replace") as f:
                if "dextbed$ " in f.read():
                    return proc, ctl
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError("the machine did not boot to the shell; console:\n%s" %
                                 harness.console_tail_text(console))
        time.sleep(0.1)


def script(args):
    """scripts/dextbed ioreg ARGS (its Python main): status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = ioreg.main(args)
    return status, out.getvalue(), err.getvalue()


def test_dextbed_ioreg_against_a_run_machine(ctx):
    rundir = os.path.join(harness.RUNS, ctx.name.replace("/", "_"))
    proc, ctl = run_mode_machine(ctx, rundir)
    try:
        status, out, err = script(["--control", ctl, "-l"])
        assert status == 0, err
        lines = out.splitlines()
        assert ROOT_LINE.match(lines[0]), out
        assert any(RESOURCES_LINE.match(l) for l in lines), out
        assert any(l.strip(" |") == '"IOKit" = Yes' for l in lines), out
        # QEMU serves one client at a time: the first has gone, so a second
        # call gets its turn.
        status, out, err = script(["--control", ctl, "-a", "-c", "IOResources"])
        assert status == 0, err
        assert [e["IOObjectClass"] for e in plistlib.loads(out.encode())] == ["IOResources"]
        # The formatter's verdicts come through with the script's name.
        status, out, err = script(["--control", ctl, "-c", "NoSuchClass"])
        assert status == 1 and out == "", (out, err)
        assert "dextbed ioreg: no entry in the IOService plane matches -c NoSuchClass" in err
        status, out, err = script(["--control", ctl, "-p", "NoSuchPlane"])
        assert status == 1 and "unknown plane 'NoSuchPlane'" in err, err
        status, out, err = script(["--control", ctl, "-q"])
        assert status == 2 and "option -q not recognized" in err, err
    finally:
        proc.kill()
        proc.wait()
    # The machine is gone: a clear message, not a traceback.
    status, out, err = script(["--control", ctl])
    assert status == 1, (out, err)
    assert ("no running machine: start one with scripts/dextbed run in another terminal"
            in err), err
    # Bad options are refused before the machine is asked (it need not run).
    status, out, err = script(["--control", ctl, "-r"])
    assert status == 2 and "dextbed ioreg: error: -r needs -c, -n or -k" in err, err
