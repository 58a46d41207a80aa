"""IOKit at boot and at scale: the boot log names what the catalogue
loaded, and the matching engine's answers over a synthetic catalogue of the
bench-match command are exactly the ones its rules give."""

import harness  # noqa: F401


def test_boot_loads_bundles(ctx):
    with ctx.machine() as m:
        m.wait_ready()
        console = m.console()
        # The test bundle's 13 personalities, from the validated plist the
        # build put in the boot collection.
        assert "iokit: 13 personalities from 1 bundles" in console, console
        assert "iokit: matching quiet after" in console, console


def expected_matches(personalities, nubs, classes):
    """What guest/iokit/iokit_bench.c's catalogue must match: personality j
    names class j % classes; odd ones also want bench-group (j // classes) %
    4, which nub i has as i % 4."""
    total = 0
    for i in range(nubs):
        for j in range(i % classes, personalities, classes):
            if j % 2 == 0 or (j // classes) % 4 == i % 4:
                total += 1
    return total


def test_bench_match_answers(ctx):
    with ctx.machine() as m:
        m.wait_ready()
        for pers, nubs, classes in ((200, 50, 20), (300, 40, 300), (60, 30, 3)):
            r = m.command("bench-match", timeout=120, personalities=pers, nubs=nubs,
                          classes=classes)
            assert r.get("reply") == "bench-match", r
            assert r["candidates_per_nub"] == pers // classes, r
            # Only the candidates of each nub's class were tested...
            assert r["match_tests"] == nubs * (pers // classes), r
            # ... and exactly the right ones matched.
            assert r["matched_total"] == expected_matches(pers, nubs, classes), r
        # Bad arguments are refused with the ranges.
        r = m.command("bench-match", personalities=0)
        assert r.get("reply") == "error" and "personalities 1.." in r["error"], r
        r = m.command("bench-match", personalities=10, classes=11)
        assert r.get("reply") == "error", r
        # The machine is still fine.
        assert m.command("ping").get("reply") == "pong"
