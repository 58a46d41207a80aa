"""scripts/dextbed ioreg: the IORegistry of the machine `scripts/dextbed run`
started, as macOS ioreg shows it.

It asks the guest for the registry archive over the control channel
({"cmd":"ioreg","plane":P,"id":N}; the XML comes back in ioreg-data events,
then the reply), and hands the XML to the host formatter ioreg-format
(guest/user/ioreg) with the user's options.  docs/ioreg.md describes both.

    scripts/dextbed ioreg [--control PATH] [--timeout S] [ioreg options]
"""
import getopt
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
import harness  # noqa: E402

PROG = "dextbed ioreg"
# ioreg's options (ioreg_format.h): letters with ':' take an argument.
IOREG_OPTIONS = "ailrxc:d:k:n:p:w:"
NO_MACHINE = "no running machine: start one with scripts/dextbed run in another terminal"


class IoregError(Exception):
    """A failure to report to the user as one line."""


def default_control():
    return os.path.join(harness.BUILD, "run", "control.sock")


def formatter_path():
    return os.environ.get("DEXTBED_IOREG_FORMAT") or os.path.join(
        harness.BUILD, "guest", "user", "ioreg", "ioreg-format")


def connect(path, timeout):
    """The control socket of a running machine."""
    if not os.path.exists(path):
        raise IoregError("%s (no control socket at %s)" % (NO_MACHINE, path))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        s.close()
        raise IoregError("%s (nothing is listening on %s)" % (NO_MACHINE, path))
    except OSError as e:
        s.close()
        raise IoregError("cannot connect to %s: %s" % (path, e.strerror or e))
    return s


def read_lines(sock, deadline):
    """Yield the JSON objects the guest sends, until the deadline; lines
    that are not JSON (a partial line from before we connected) are
    skipped."""
    buf = b""
    while True:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError()
            sock.settimeout(min(left, 1.0))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise IoregError("the machine closed the control channel (did QEMU exit?)")
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        try:
            msg = json.loads(line.decode("latin-1"))
        except ValueError:
            continue
        if isinstance(msg, dict):
            yield msg


def fetch_archive(control, plane="IOService", timeout=30.0):
    """The registry archive of plane (bytes) from the machine whose control
    socket is control."""
    ident = 0x10000 + os.getpid() % 0x10000
    sock = connect(control, timeout)
    chunks = {}
    try:
        sock.sendall((json.dumps({"cmd": "ioreg", "plane": plane, "id": ident}) +
                      "\n").encode())
        deadline = time.monotonic() + timeout
        try:
            for msg in read_lines(sock, deadline):
                if msg.get("id") != ident:
                    continue            # events of others, earlier replies
                if msg.get("event") == "ioreg-data":
                    chunks[msg.get("seq")] = msg.get("data", "")
                    continue
                if msg.get("reply") == "error":
                    raise IoregError(msg.get("error", "the guest refused the command"))
                if msg.get("reply") == "ioreg":
                    return assemble(chunks, msg)
        except TimeoutError:
            raise IoregError(
                "no answer on %s within %.0f s: is the guest still booting, or is another "
                "client (socat?) connected? QEMU serves one client at a time" %
                (control, timeout))
    finally:
        sock.close()


def assemble(chunks, reply):
    """The archive from its ioreg-data pieces, checked against the reply."""
    count = reply.get("chunks")
    if count is None or sorted(chunks) != list(range(count)):
        raise IoregError("the archive came in %d pieces, the reply says %s" %
                         (len(chunks), count))
    # One JSON character per byte: Latin-1 gives the bytes back.
    data = "".join(chunks[i] for i in range(count)).encode("latin-1")
    if reply.get("bytes") is not None and len(data) != reply["bytes"]:
        raise IoregError("the archive has %d bytes, the reply says %d" %
                         (len(data), reply["bytes"]))
    return data


def parse_args(args):
    """(control path, timeout, plane, formatter arguments)."""
    control, timeout, rest = default_control(), 30.0, []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--control", "--timeout") and i + 1 < len(args):
            if a == "--control":
                control = args[i + 1]
            else:
                try:
                    timeout = float(args[i + 1])
                except ValueError:
                    raise getopt.GetoptError("--timeout takes seconds, not %r" % args[i + 1])
            i += 2
            continue
        if a.startswith("--control="):
            control = a.split("=", 1)[1]
        elif a.startswith("--timeout="):
            try:
                timeout = float(a.split("=", 1)[1])
            except ValueError:
                raise getopt.GetoptError("--timeout takes seconds, not %r" % a)
        elif a in ("--control", "--timeout"):
            raise getopt.GetoptError("%s needs an argument" % a)
        else:
            rest.append(a)
        i += 1
    opts, operands = getopt.getopt(rest, IOREG_OPTIONS)
    if operands:
        raise getopt.GetoptError("unexpected argument %r (the registry comes from the "
                                 "running machine)" % operands[0])
    plane = "IOService"
    for flag, value in opts:
        if flag == "-p":
            plane = value
    return control, timeout, plane, rest


def usage(out):
    out.write("usage: scripts/dextbed ioreg [--control PATH] [--timeout S] [ioreg options]\n"
              "  --control PATH  the machine's control socket (default build/run/control.sock)\n"
              "  --timeout S     how long to wait for the guest (default 30 s)\n")
    fmt = formatter_path()
    if os.path.exists(fmt):
        # The formatter's own list of options (after its complaint about -?).
        p = subprocess.run([fmt, "-?"], capture_output=True, text=True)
        lines = p.stderr.splitlines(True)[1:]
        if lines:
            lines[0] = lines[0].replace("usage: ioreg-format", "ioreg options:").replace(
                " [file]", "")
        out.write("".join(lines))


def main(args):
    if args and args[0] in ("-h", "--help"):
        usage(sys.stdout)
        return 0
    try:
        control, timeout, plane, fmt_args = parse_args(args)
    except getopt.GetoptError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        usage(sys.stderr)
        return 2
    fmt = formatter_path()
    if not os.path.exists(fmt):
        sys.stderr.write("%s: error: %s is not built: run scripts/dextbed build\n" %
                         (PROG, fmt))
        return 1
    # The formatter judges the options (-r without -c, -d x, ...) before we
    # bother the machine: on no input it says "empty", or why not.
    p = subprocess.run([fmt] + fmt_args + ["--", "-"], input=b"", capture_output=True)
    if p.returncode == 2:
        first = p.stderr.decode("utf-8", "replace").splitlines()[:1]
        sys.stderr.write("%s\n" % first[0].replace("ioreg-format:", PROG + ":")
                         if first else "%s: bad options\n" % PROG)
        usage(sys.stderr)
        return 2
    try:
        xml = fetch_archive(control, plane, timeout)
    except IoregError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    p = subprocess.run([fmt] + fmt_args + ["--", "-"], input=xml, capture_output=True)
    sys.stdout.write(p.stdout.decode("utf-8", "replace"))
    sys.stdout.flush()
    sys.stderr.write(p.stderr.decode("utf-8", "replace").replace("ioreg-format:", PROG + ":"))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
