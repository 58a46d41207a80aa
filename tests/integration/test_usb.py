"""USB devices on the machine's qemu-xhci, driven by a real host-side driver.

The guest kernel has no xHCI driver yet; SeaBIOS has one.  A machine with
no kernel stays in the firmware, whose xHCI and USB HID drivers enumerate
dextbed-usb-hid, put its keyboard into boot protocol and poll it.  That is
enough to check, end to end, that keys sent through QMP reach a USB host
driver as the reports the spec describes.
"""
import os
import time

import harness


class TraceLog:
    """QEMU's trace output (-trace ... -D file), read as it grows."""

    def __init__(self, machine, path):
        self.m = machine
        self.path = path
        self.pos = 0
        self.pending = []       # read but not yet looked at

    def _read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return
        # Keep a partial last line for the next read.
        cut = data.rfind(b"\n") + 1
        self.pos += cut
        self.pending += data[:cut].decode("utf-8", "replace").splitlines()

    def wait_for(self, predicate, what, timeout):
        """Consume lines up to and including the first that matches."""
        deadline = time.monotonic() + timeout * self.m.scale
        seen = []
        while time.monotonic() < deadline:
            self._read()
            while self.pending:
                line = self.pending.pop(0)
                seen.append(line)
                if predicate(line):
                    return line
            if not self.m.alive():
                break
            time.sleep(0.05)
        tail = "\n".join("    " + l for l in seen[-15:])
        raise AssertionError("no trace line with %s within %.0f s; last lines:\n%s"
                             % (what, timeout * self.m.scale, tail))


def firmware_machine(ctx, name):
    m = ctx.machine(name, kernel=None, initrd=None)
    trace = os.path.join(m.dir, "trace.log")
    m.extra_args += ["-trace", "dextbed_usb*", "-D", trace]
    m.start()
    return m, TraceLog(m, trace)


def keyboard_report(line):
    """The bytes of a keyboard report in a dextbed_usb_hid_report line."""
    if "dextbed_usb_hid_report interface 0: report " not in line:
        return None
    return line.split(": report ", 1)[1].split(",")[0]


def test_keys_reach_firmware(ctx):
    """QMP send-key -> QEMU input -> dextbed-usb-hid -> xHCI -> SeaBIOS."""
    m, log = firmware_machine(ctx, "")
    # SeaBIOS configures the keyboard and selects the boot protocol
    # (SET_PROTOCOL, bRequest 0x0b, on interface 0).
    log.wait_for(lambda l: "bmRequestType 0x00 bRequest 0x09 wValue 0x0001" in l
                 and l.endswith("-> 0"), "SET_CONFIGURATION(1) accepted", 30)
    log.wait_for(lambda l: "bmRequestType 0x21 bRequest 0x0b wValue 0x0000 "
                 "wIndex 0x0000" in l and l.endswith("-> 0"),
                 "SET_PROTOCOL(boot) accepted", 30)

    # 'a' is usage 0x04; with left shift the modifier byte is 0x02.
    for keys, want in ((["a"], "00 00 04 00 00 00 00 00"),
                       (["shift", "a"], "02 00 04 00 00 00 00 00")):
        m.qmp("send-key", keys=[{"type": "qcode", "data": k} for k in keys],
              **{"hold-time": 50})
        log.wait_for(lambda l: keyboard_report(l) == want,
                     "report %s for %s" % (want, "+".join(keys)), 10)
        # ... and the release reaches it too: all keys up.
        log.wait_for(lambda l: keyboard_report(l) == "00 00 00 00 00 00 00 00",
                     "the all-keys-up report after %s" % "+".join(keys), 10)

    # The input layer's view matches: linux KEY_A (30) became usage 0x04.
    with open(log.path, errors="replace") as f:
        assert "linux key 30 usage 0x04 down 1" in f.read()


def test_replug(ctx):
    """Both USB devices unplug and plug back while the kernel runs."""
    m = ctx.machine()
    m.start()
    m.wait_ready()

    def info_usb():
        return m.qmp("human-monitor-command", **{"command-line": "info usb"})

    for _ in range(3):
        m.qmp("device_del", id="usbhid0")
        m.qmp("device_del", id="usbserial0")
        deadline = time.monotonic() + 10 * m.scale
        while "usbhid0" in info_usb() or "usbserial0" in info_usb():
            assert time.monotonic() < deadline, info_usb()
            time.sleep(0.05)
        m.qmp("device_add", driver="dextbed-usb-hid", id="usbhid0", bus="xhci.0")
        m.qmp("device_add", driver="dextbed-usb-serial", id="usbserial0",
              bus="xhci.0", chardev="usbser")
        usb = info_usb()
        assert "ID: usbhid0" in usb and "ID: usbserial0" in usb, usb
    # The guest carried on through it all.
    assert m.command("ping")["reply"] == "pong"
