"""dextbed's headless machine harness.

A Machine is one QEMU process with its own run directory: the console (COM1)
logged to console.log, the control channel (COM2, JSON lines) on a Unix
socket the harness listens on before QEMU starts (so nothing the guest says
is lost), and a QMP socket.  Every wait has a timeout; on a timeout or a
guest panic the machine is killed and the error carries the console's tail.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

ROOT = os.environ.get("DEXTBED_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("DEXTBED_BUILD") or os.path.join(ROOT, "build")
CACHE = os.environ.get("DEXTBED_CACHE") or os.path.expanduser("~/.cache/dextbed")
QEMU = os.environ.get("DEXTBED_QEMU") or os.path.join(CACHE, "qemu-build",
                                                      "qemu-system-x86_64")
QEMU_VERSION = os.environ.get("DEXTBED_QEMU_VERSION", "unknown")
KERNEL = os.path.join(BUILD, "guest", "kernel.elf")
BOOTCOL = os.path.join(BUILD, "guest", "bootcol.img")
RUNS = os.path.join(BUILD, "runs")

# Timeouts are written for KVM and multiplied for TCG.
ACCEL_SCALE = {"kvm": 1.0, "tcg": 4.0}
KVM_PROBE_SECONDS = 10


class MachineError(Exception):
    """The machine failed; the message ends with the console's tail."""


class GuestPanic(MachineError):
    pass


class Timeout(MachineError):
    pass


def console_tail_text(path, lines=30):
    try:
        with open(path, "r", errors="replace") as f:
            text = f.read().replace("\r", "")
    except OSError:
        return "(no console output)"
    tail = text.splitlines()[-lines:]
    return "\n".join("    | " + line for line in tail) or "    | (empty)"


def machine_args(accel, console, control, qmp, usb_serial, kernel=KERNEL,
                 initrd=BOOTCOL, append=None, memory="256M", icount=False):
    """QEMU's command line for the dextbed machine, the one definition that
    `scripts/dextbed run` and every test machine use.  console and control
    are -serial arguments for COM1 and COM2 (with any -chardev they need);
    usb_serial is the path of the Unix socket the USB serial adapter's host
    side listens on."""
    tcg = icount or accel != "kvm"
    a = [QEMU, "-machine", "q35", "-cpu", "max" if tcg else "host",
         "-m", memory, "-smp", "1", "-display", "none", "-vga", "none",
         "-nodefaults"]
    if kernel:          # None: firmware only (SeaBIOS finds nothing to boot)
        a += ["-kernel", kernel]
    a += console + control
    a += ["-qmp", "unix:%s,server=on,wait=off" % qmp,
          "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
          "-device", "dextbed-testdev",
          "-netdev", "user,id=net0", "-device", "dextbed-wifi,netdev=net0,id=wifi0",
          "-device", "qemu-xhci,id=xhci",
          "-chardev", "socket,id=usbser,path=%s,server=on,wait=off" % usb_serial,
          "-device", "dextbed-usb-serial,id=usbserial0,bus=xhci.0,chardev=usbser",
          "-device", "dextbed-usb-hid,id=usbhid0,bus=xhci.0"]
    if icount:
        a += ["-accel", "tcg", "-icount", "shift=0,sleep=off"]
    else:
        a += ["-accel", accel]
    if initrd:
        a += ["-initrd", initrd]
    if append:
        a += ["-append", append]
    return a


class Machine:
    def __init__(self, name, accel, kernel=KERNEL, initrd=BOOTCOL, append=None,
                 memory="256M", extra_args=(), icount=False, console_input=False):
        self.name = name
        # console_input: COM1 on a Unix socket (console.sock) the test can
        # type into, still logged to console.log.
        self.console_input = console_input
        self.con_sock = None
        self.accel = accel
        self.scale = ACCEL_SCALE.get(accel, 4.0)
        self.dir = os.path.join(RUNS, name.replace("/", "_"))
        self.kernel = kernel
        self.initrd = initrd
        self.append = append
        self.memory = memory
        self.extra_args = list(extra_args)
        self.icount = icount
        self.proc = None
        self.ctl = None
        self.qmp_sock = None
        self.buf = b""
        self.events = []
        self.next_id = 1
        self.panic = None

    # -- lifecycle --------------------------------------------------------
    @property
    def usb_serial_sock(self):
        return os.path.join(self.dir, "usb-serial.sock")

    @property
    def console_log(self):
        return os.path.join(self.dir, "console.log")

    def args(self):
        con = ["-chardev", "file,id=con,path=" + self.console_log, "-serial", "chardev:con"]
        if self.console_input:
            con = ["-chardev", "socket,id=con,server=on,wait=off,path=%s,logfile=%s" % (
                os.path.join(self.dir, "console.sock"), self.console_log),
                "-serial", "chardev:con"]
        ctl = ["-chardev", "socket,id=ctl,path=" + os.path.join(self.dir, "control.sock"),
               "-serial", "chardev:ctl"]
        # -no-reboot: a guest reset (triple fault) ends QEMU instead of looping.
        return machine_args(self.accel, con, ctl, os.path.join(self.dir, "qmp.sock"),
                            self.usb_serial_sock, self.kernel, self.initrd, self.append, self.memory,
                            self.icount) + ["-no-reboot"] + self.extra_args

    def start(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(os.path.join(self.dir, "control.sock"))
        listener.listen(1)
        listener.settimeout(10 * self.scale)
        with open(os.path.join(self.dir, "qemu.log"), "wb") as err:
            self.proc = subprocess.Popen(self.args(), stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)
        self.started = time.monotonic()
        try:
            self.ctl, _ = listener.accept()
        except socket.timeout:
            self.kill()
            raise MachineError("QEMU did not connect its control channel:\n" +
                               self.qemu_log_tail())
        finally:
            listener.close()
        return self

    def qemu_log_tail(self):
        try:
            with open(os.path.join(self.dir, "qemu.log"), errors="replace") as f:
                return "".join("    ! " + l for l in f.readlines()[-10:])
        except OSError:
            return ""

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        for s in (self.ctl, self.qmp_sock, self.con_sock):
            if s:
                s.close()
        self.ctl = self.qmp_sock = self.con_sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def fail(self, cls, message):
        self.kill()
        raise cls("%s\nconsole (%s):\n%s%s" % (
            message, self.console_log, console_tail_text(self.console_log),
            ("\nqemu:\n" + self.qemu_log_tail()) if self.qemu_log_tail() else ""))

    # -- control channel ---------------------------------------------------
    def _read_line(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.ctl.settimeout(min(left, 0.5))
            try:
                chunk = self.ctl.recv(65536)
            except socket.timeout:
                if not self.alive():
                    self.fail(MachineError, "QEMU exited (status %s)" % self.proc.returncode)
                continue
            if not chunk:
                if self.proc:
                    try:
                        self.proc.wait(timeout=2)
                    except subprocess.TimeoutExpired:
                        pass
                self.fail(MachineError, "control channel closed (QEMU status %s)" %
                          (self.proc.returncode if self.proc else None))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def receive(self, timeout, what="a message"):
        """The next JSON line from the guest; raises on panic or timeout."""
        deadline = time.monotonic() + timeout * self.scale
        while True:
            line = self._read_line(deadline)
            if line is None:
                self.fail(Timeout, "timed out after %.0f s waiting for %s" %
                          (timeout * self.scale, what))
            try:
                msg = json.loads(line)
            except ValueError:
                self.fail(MachineError, "guest sent a line that is not JSON: %r" % line)
            if msg.get("event") == "panic":
                self.panic = msg
                time.sleep(0.2)     # let the console report finish
                self.fail(GuestPanic, "guest kernel panic: %s" % msg.get("message"))
            return msg

    def wait_event(self, event, timeout=10):
        while True:
            msg = self.receive(timeout, "event '%s'" % event)
            self.events.append(msg)
            if msg.get("event") == event:
                return msg

    def wait_ready(self, timeout=10):
        return self.wait_event("ready", timeout)

    def send_raw(self, data):
        self.ctl.sendall(data)

    def command(self, cmd, timeout=10, on_event=None, fields=None, **args):
        """Send {"cmd": cmd, ...} and return its reply (matched by id).
        fields: more members, for names that clash with ours (timeout)."""
        ident = self.next_id
        self.next_id += 1
        msg = dict(cmd=cmd, id=ident, **args)
        msg.update(fields or {})
        self.send_raw((json.dumps(msg) + "\n").encode())
        while True:
            reply = self.receive(timeout, "the reply to '%s'" % cmd)
            if "event" in reply:
                self.events.append(reply)
                if on_event:
                    on_event(reply)
                continue
            if reply.get("id") == ident:
                return reply

    def type(self, text):
        """Type text on the console (needs console_input=True)."""
        if not self.con_sock:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10 * self.scale)
            s.connect(os.path.join(self.dir, "console.sock"))
            self.con_sock = s
            # Drain what the guest prints (it is in console.log already):
            # an unread socket would stall the guest's UART.
            threading.Thread(target=self._drain_console, args=(s,), daemon=True).start()
        for ch in text.encode():
            # One byte at a time: the guest's UART has a 16-byte FIFO and the
            # kernel polls it every few ms.
            self.con_sock.sendall(bytes([ch]))
            time.sleep(0.002)

    @staticmethod
    def _drain_console(sock):
        try:
            while sock.recv(4096):
                pass
        except OSError:
            pass

    def run(self, path, args="", timeout=60, on_event=None):
        """Run a guest program to its end (control "run"); returns the reply
        and the events the program reported."""
        events = []

        def collect(ev):
            events.append(ev)
            if on_event:
                on_event(ev)
        reply = self.command("run", timeout=timeout + 10, on_event=collect, path=path,
                             args=args, fields={"timeout": int(timeout * self.scale)})
        if reply.get("reply") != "run":
            self.fail(MachineError, "run %s %s failed: %s" % (path, args, reply.get("error")))
        return reply, events

    def console(self):
        try:
            with open(self.console_log, errors="replace") as f:
                return f.read().replace("\r", "")
        except OSError:
            return ""

    def wait_console(self, text, timeout=10):
        deadline = time.monotonic() + timeout * self.scale
        while time.monotonic() < deadline:
            if text in self.console():
                return True
            if not self.alive():
                break
            time.sleep(0.05)
        self.fail(Timeout, "console never showed %r" % text)

    # -- QMP ---------------------------------------------------------------
    def qmp(self, command, **arguments):
        if not self.qmp_sock:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10 * self.scale)
            s.connect(os.path.join(self.dir, "qmp.sock"))
            self.qmp_sock = s
            self.qmp_file = s.makefile("rwb")
            json.loads(self.qmp_file.readline())            # greeting
            self._qmp_send("qmp_capabilities")
        return self._qmp_send(command, **arguments)

    def _qmp_send(self, command, **arguments):
        req = {"execute": command}
        if arguments:
            req["arguments"] = arguments
        self.qmp_file.write((json.dumps(req) + "\n").encode())
        self.qmp_file.flush()
        while True:
            resp = json.loads(self.qmp_file.readline())
            if "return" in resp:
                return resp["return"]
            if "error" in resp:
                raise MachineError("QMP %s failed: %s" % (command, resp["error"]))

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout=timeout * self.scale)
        except subprocess.TimeoutExpired:
            self.fail(Timeout, "QEMU did not exit within %.0f s" % (timeout * self.scale))


# -- accelerator choice ------------------------------------------------------
def _probe_kvm():
    """Boot the kernel under KVM: usable only if it reaches ready quickly."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm is not available"
    m = Machine("kvm-probe", "kvm")
    try:
        m.start()
        m.wait_ready(timeout=KVM_PROBE_SECONDS)
        return True, "a probe boot reached ready under KVM"
    except MachineError as e:
        first = str(e).splitlines()[0]
        qemu_said = [l.strip(" !") for l in m.qemu_log_tail().splitlines() if l.strip(" !")]
        if qemu_said:
            first += "; QEMU: " + qemu_said[0]
        return False, "/dev/kvm opens but a probe boot did not reach ready (%s)" % first
    finally:
        m.kill()


def choose_accel(quiet=False):
    """DEXTBED_ACCEL if set; else the remembered result of the KVM probe."""
    forced = os.environ.get("DEXTBED_ACCEL", "").strip().lower()
    if forced:
        if forced not in ("tcg", "kvm"):
            raise SystemExit("dextbed: error: DEXTBED_ACCEL must be 'tcg' or 'kvm', not %r"
                             % forced)
        return forced
    stamp = os.path.join(CACHE, "accel-probe.json")
    key = {"qemu_mtime": os.path.getmtime(QEMU) if os.path.exists(QEMU) else 0,
           "host_kernel": os.uname().release,
           "kvm": os.path.exists("/dev/kvm")}
    try:
        with open(stamp) as f:
            saved = json.load(f)
        if saved.get("key") == key:
            if saved["accel"] == "tcg" and not quiet:
                print("dextbed: using TCG: %s (remembered; DEXTBED_ACCEL=kvm forces KVM)"
                      % saved["why"])
            return saved["accel"]
    except (OSError, ValueError, KeyError):
        pass
    ok, why = _probe_kvm()
    accel = "kvm" if ok else "tcg"
    os.makedirs(CACHE, exist_ok=True)
    with open(stamp, "w") as f:
        json.dump({"key": key, "accel": accel, "why": why}, f)
    if not ok and not quiet:
        print("dextbed: using TCG: %s (DEXTBED_ACCEL=kvm forces KVM)" % why)
    return accel
