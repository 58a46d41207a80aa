"""Boot tests: the machine reaches ready, and says what it is."""

import re
import socket


def test_ready(ctx):
    with ctx.machine() as m:
        ev = m.wait_ready()
        assert ev["accel"] == ctx.accel, "guest reports accel %r, harness chose %r" % (
            ev["accel"], ctx.accel)
        assert ev["version"], "ready event has no version"
        console = m.console()
        banner = "dextbed kernel %s (x86_64), accel: %s" % (ev["version"], ctx.accel)
        assert banner in console, "banner %r missing from console" % banner
        assert "dextbed: ready" in console
        assert "memory map" in console and "usable" in console
        assert re.search(r"bootcol: \d+ files", console), console
        assert "init: started bin/init as pid 1" in console
        # Same machine as `scripts/dextbed run`: the Wi-Fi NIC on slirp is there.
        aps = m.qmp("qom-get", path="/machine/peripheral/wifi0", property="aps")
        assert "ssid=dextbed-open" in aps and "ssid=dextbed-wpa2" in aps, aps
        # ... and so are the USB serial adapter and keyboard+mouse on qemu-xhci.
        usb = m.qmp("human-monitor-command", **{"command-line": "info usb"})
        assert "dextbed USB serial, ID: usbserial0" in usb, usb
        assert "ID: usbhid0" in usb, usb
        # The serial adapter's host side is a socket a user can connect to.
        peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        peer.settimeout(5)
        peer.connect(m.usb_serial_sock)
        peer.close()
        # The machine keeps serving after ready, and exits on request.
        assert m.command("ping")["reply"] == "pong"
        assert m.command("exit", code=0)["reply"] == "exit"
        assert m.wait_exit() == 1          # isa-debug-exit: (0 << 1) | 1
