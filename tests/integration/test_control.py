"""The control channel: commands, replies, and what bad input gets."""


def test_commands_and_replies(ctx):
    with ctx.machine() as m:
        m.wait_ready()
        pong = m.command("ping")
        assert pong["reply"] == "pong" and "ticks" in pong, pong
        info = m.command("info")
        assert info["accel"] == ctx.accel, info
        assert info["total_pages"] * 4096 >= 250 * 2**20, "guest sees %d pages" % info["total_pages"]
        assert 0 < info["free_pages"] < info["total_pages"], info
        assert info["bootcol_bytes"] > 0, info
        # Ticks advance: the LAPIC timer runs while the guest is idle.
        later = m.command("ping")
        assert later["ticks"] > pong["ticks"], (pong, later)
        # Strings survive the round trip, escapes included.
        text = 'quote " backslash \\ tab \t newline \n end'
        assert m.command("echo", text=text)["text"] == text


def test_bad_input_is_answered_not_fatal(ctx):
    with ctx.machine() as m:
        m.wait_ready()
        m.send_raw(b"this is not json\n")
        r = m.receive(10)
        assert r["reply"] == "error" and "malformed" in r["error"], r
        m.send_raw(b'{"cmd": "ping"\n')                 # unterminated object
        assert m.receive(10)["reply"] == "error"
        m.send_raw(b"{" + b'"x":' * 3000 + b"\n")       # longer than a line may be
        r = m.receive(10)
        assert r["reply"] == "error" and "longer than" in r["error"], r
        m.send_raw(b'{"cmd": 42}\n')
        r = m.receive(10)
        assert "missing \\\"cmd\\\"" in str(r) or "missing \"cmd\"" in r["error"], r
        r = m.command("no-such-command")
        assert r["reply"] == "error" and "unknown command 'no-such-command'" in r["error"], r
        r = m.command("exit", code=999)
        assert r["reply"] == "error" and "0 to 127" in r["error"], r
        r = m.command("echo", text="x" * 400)
        assert r["reply"] == "error", r
        # Binary garbage, then the channel still works.
        m.send_raw(bytes(range(256)) + b"\n")
        assert m.receive(10)["reply"] == "error"
        assert m.command("ping")["reply"] == "pong"


def test_exit_status(ctx):
    with ctx.machine() as m:
        m.wait_ready()
        m.command("exit", code=3)
        assert m.wait_exit() == 7, "QEMU status should be (3 << 1) | 1"
