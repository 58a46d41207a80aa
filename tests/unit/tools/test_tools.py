#!/usr/bin/python3
"""TAP tests of the host tools infoplist-check and explain-match.

usage: test_tools.py INFOPLIST_CHECK EXPLAIN_MATCH FIXTURES BUILT_PLIST SOURCE_PLIST

BUILT_PLIST is the validated plist the build made from SOURCE_PLIST (the
test bundle), so the test also shows the build ran infoplist-check.
Each case checks what a driver developer sees: the exact
file:line:column messages, exit codes, files written or not, and the
matching report, as text and as JSON.
"""
import json
import os
import plistlib
import shutil
import subprocess
import sys
import tempfile

# Absolute: the tools run in the fixtures directory (messages name files
# as the user typed them, relative to it).
CHECK, EXPLAIN, FIX, BUILT, SOURCE = [os.path.abspath(a) if a else a
                                      for a in sys.argv[1:6]]
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


class Failed(Exception):
    pass


class Skip(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)


def expect_eq(got, want, what):
    if got != want:
        raise Failed("%s:\n--- got\n%s\n--- want\n%s" % (what, got, want))


def run(tool, *args, cwd=None, stdin=None):
    """(exit status, stdout, stderr) of a tool run in cwd (FIX by default)."""
    p = subprocess.run([tool] + list(args), cwd=cwd or FIX, capture_output=True,
                       text=True, timeout=60, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def lines(text):
    return text.splitlines()


# ---------------------------------------------------------------- infoplist-check

@case
def check_good_bundle_directory():
    rc, out, err = run(CHECK, "Good.kext")
    expect_eq((rc, out, err), (0, "Good.kext/Info.plist: ok, 3 personalities\n", ""),
              "a valid bundle")


@case
def check_quiet_output_is_canonical_and_equal():
    with tempfile.TemporaryDirectory() as d:
        out1 = os.path.join(d, "one.plist")
        out2 = os.path.join(d, "two.plist")
        rc, out, err = run(CHECK, "--quiet", "--output", out1, "Good.kext/Info.plist")
        expect_eq((rc, out, err), (0, "", ""), "--quiet prints nothing")
        with open(os.path.join(FIX, "Good.kext", "Info.plist"), "rb") as f:
            source = plistlib.load(f)
        with open(out1, "rb") as f:
            text = f.read()
        expect_eq(plistlib.loads(text), source, "the written plist holds the same values")
        expect(b"<!--" not in text, "comments are gone from the canonical plist")
        expect(b"<integer>-5</integer>" in text and b"<integer>1452</integer>" in text,
               "integers are written in decimal (0x05ac -> 1452), negatives kept")
        rc, _, _ = run(CHECK, "-q", "-o", out2, out1)
        with open(out2, "rb") as f:
            expect_eq(f.read(), text, "re-checking canonical output changes nothing")


BAD_TYPES = """\
bad-types.plist:15:4: error: IOProbeScore must be an <integer>, found <string>; write <integer>1000</integer>
bad-types.plist:17:4: error: IOMatchCategory must be a <string>, found <integer>; write <string>IODefaultMatchCategory</string>
bad-types.plist:26:4: error: IOProbeScore 3000000000 (0xb2d05e00) is out of range; write a value from -2147483648 to 2147483647 (32 bits, signed), e.g. <integer>1000</integer>
bad-types.plist:28:4: error: idVendor 70000 (0x11170) is out of range; write a value from 0 to 0xffff, e.g. <integer>0x05ac</integer>
bad-types.plist:30:4: error: bDeviceClass -1 is out of range; write a value from 0 to 0xff, e.g. <integer>2</integer>
bad-types.plist:34:5: error: idProductArray[1] must be an <integer>, found <string>; write <integer>2</integer>
bad-types.plist:38:3: error: personality "Shapes" has no IOClass; add <key>IOClass</key><string>MyDriver</string> (the class the kernel instantiates)
bad-types.plist:40:4: error: IOProviderClass is empty; write <string>IOPCIDevice</string>
bad-types.plist:44:5: error: IONameMatch[1] must be a <string>, found <true/>; write <string>pci8086,10d3</string>
bad-types.plist:47:4: error: IOPropertyMatch must be a <dict> or an <array> of <dict>, found <string>; write <dict><key>property</key><string>value</string></dict>
bad-types.plist:49:4: error: IOParentMatch must be a <dict>, found <array>; write <dict><key>IOProviderClass</key><string>IOPCIDevice</string></dict>
bad-types.plist:51:4: error: IOLocationMatch must be a <string> in dextbed (the nub's location, as IORegistryEntryLocation shows it; the dictionary form is not supported), found <dict>; write <string>2</string>
bad-types.plist:53:4: error: IOPCIMatch must be a <string>, found <integer>; write <string>0x10d38086</string>
bad-types.plist:56:3: error: personality "NotADict" must be a <dict>, found <string>; write <dict> with at least IOClass and IOProviderClass
bad-types.plist: 14 errors
"""


@case
def check_every_type_error_with_line_column_and_fix():
    rc, out, err = run(CHECK, "bad-types.plist")
    expect_eq(rc, 1, "exit status")
    expect_eq(out, "", "stdout")
    expect_eq(err, BAD_TYPES, "the messages")


PCI_RULE = ("; each space-separated token is a 32-bit 0x-hex value with an "
            "optional &0xMASK (written &amp; in XML), e.g. ")


@case
def check_pci_tokens_point_at_the_bad_token():
    # Columns count through &amp; (line 15) and a CDATA section (line 17).
    rc, out, err = run(CHECK, "--quiet", "bad-pci.plist")
    expect_eq(rc, 1, "exit status")
    ex = "<string>0x10d38086</string>"
    want = [
        'bad-pci.plist:15:45: error: IOPCIMatch token 3 "10d3" does not start with 0x; '
        'write 0x10d3',
        'bad-pci.plist:15:50: error: IOPCIMatch token 4 "0x1234567890" has more than 8 hex '
        'digits (values are 32 bits)' + PCI_RULE + ex,
        'bad-pci.plist:17:43: error: IOPCIClassMatch token 2 "0x0c0330&0xzz" has a mask that '
        'is not 1 to 8 hex digits' + PCI_RULE + "<string>0x02000000&amp;0xffff0000</string>",
        "bad-pci.plist:19:4: error: IOPCIPrimaryMatch is empty; write one or more values, "
        "e.g. " + ex,
        'bad-pci.plist:21:12: error: IOPCISecondaryMatch token 1 "0x1234x" has a character '
        'that is not a hex digit' + PCI_RULE + ex,
    ]
    expect_eq(lines(err), want, "the messages (--quiet leaves out the count)")


@case
def check_dext_personalities():
    rc, out, err = run(CHECK, "-q", "bad-dext.plist")
    expect_eq(rc, 1, "exit status")
    want = [
        'bad-dext.plist:9:3: error: personality "Dext" has no IOUserServerName, which a dext '
        'personality (it has IOUserClass) needs; add <key>IOUserServerName</key>'
        '<string>org.example.driver.BadDext</string> (the dext\'s process; usually the '
        'bundle ID)',
        'bad-dext.plist:11:4: error: a dext personality (it has IOUserClass) must have '
        'IOClass IOUserService, found "BadDextDriver"; write <string>IOUserService</string> '
        'and put the driver\'s class in IOUserClass',
        'bad-dext.plist:18:3: error: personality "NoClass" has no IOClass; add <key>IOClass'
        '</key><string>IOUserService</string> (a dext personality: it has IOUserClass)',
        'bad-dext.plist:18:3: error: personality "NoClass" has no IOProviderClass; add '
        '<key>IOProviderClass</key><string>IOPCIDevice</string> (the class of the nub it '
        'attaches to)',
        'bad-dext.plist:18:3: error: personality "NoClass" has no IOUserServerName, which a '
        'dext personality (it has IOUserClass) needs; add <key>IOUserServerName</key>'
        '<string>org.example.driver.BadDext</string> (the dext\'s process; usually the '
        'bundle ID)',
    ]
    expect_eq(lines(err), want, "the messages")


@case
def check_bundle_identifier_and_top():
    rc, _, err = run(CHECK, "-q", "bad-bundle-id.plist", "bad-top.plist")
    expect_eq(rc, 1, "exit status")
    want = [
        'bad-bundle-id.plist:5:2: error: CFBundleIdentifier "my_driver" is not a '
        "reverse-DNS name (two or more dot-separated parts of letters, digits and '-'); "
        "write e.g. <string>com.example.driver.MyDriver</string>",
        "bad-bundle-id.plist:7:2: error: IOKitPersonalities must be a <dict> of "
        "personalities, found <array>; write <dict><key>MyDriver</key><dict>...</dict>"
        "</dict> (one <dict> per personality, under its name)",
        "bad-top.plist:3:1: error: the top of an Info.plist must be a <dict>, found "
        "<array>; put the bundle's keys (CFBundleIdentifier, IOKitPersonalities) in one "
        "<dict>",
    ]
    expect_eq(lines(err), want, "every file's messages, not just the first")


@case
def check_syntax_error_from_the_parser():
    rc, out, err = run(CHECK, "bad-syntax.plist")
    expect_eq(rc, 1, "exit status")
    expect_eq(lines(err), [
        "bad-syntax.plist:11:17: error: expected </integer> to close <integer> opened at "
        "line 11, found </string>",
        "bad-syntax.plist: 1 error"], "the parser's line:column")


@case
def check_output_only_when_valid():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "Info.plist")
        rc, _, _ = run(CHECK, "-q", "--output", out, "bad-types.plist")
        expect(rc == 1 and not os.path.exists(out), "nothing written for an invalid plist")
        with open(out, "w") as f:
            f.write("stale\n")
        rc, _, _ = run(CHECK, "-q", "--output", out, "bad-syntax.plist")
        expect(rc == 1 and not os.path.exists(out),
               "a stale output from an earlier run is removed")
        rc, _, _ = run(CHECK, "-q", "--output", out, "Good.kext")
        expect(rc == 0 and os.path.exists(out), "written when valid")
        expect_eq(os.listdir(d), ["Info.plist"], "no temporary file left behind")


@case
def check_usage_and_io_errors_exit_2():
    for args, msg in [
        ((), "infoplist-check: no Info.plist given"),
        (("--frobnicate", "Good.kext"),
         "infoplist-check: unknown option '--frobnicate'; see --help"),
        (("--output", "x.plist", "Good.kext", "bad-top.plist"),
         "infoplist-check: --output takes one input, 2 given; run once per bundle"),
        (("--output",), "infoplist-check: --output needs a FILE; see --help"),
        (("missing.plist",), "missing.plist: error: cannot read: No such file or directory"),
    ]:
        rc, out, err = run(CHECK, *args)
        expect_eq(rc, 2, "exit status of %s" % (args,))
        expect_eq(lines(err)[0], msg, "message for %s" % (args,))
    rc, out, err = run(CHECK, "--help")
    expect(rc == 0 and out.startswith("usage: infoplist-check") and "--output" in out,
           "--help prints the usage to stdout")


@case
def check_bad_plist_fails_the_build_step():
    # drivers/meson.build runs: infoplist-check --quiet --output @OUTPUT@ @INPUT@;
    # ninja stops on a non-zero exit and shows the tool's stderr.
    with tempfile.TemporaryDirectory() as d:
        bundle = os.path.join(d, "Broken.kext")
        os.mkdir(bundle)
        shutil.copy(os.path.join(FIX, "bad-dext.plist"), os.path.join(bundle, "Info.plist"))
        out = os.path.join(d, "Broken.kext.Info.plist")
        rc, so, err = run(CHECK, "--quiet", "--output", out, "Broken.kext/Info.plist", cwd=d)
        expect(rc != 0, "the build step fails")
        expect(not os.path.exists(out), "and leaves no output for the boot collection")
        expect(lines(err)[0].startswith("Broken.kext/Info.plist:9:3: error: "),
               "with file:line:column first: " + err)


@case
def check_the_build_validated_the_test_bundle():
    # The boot collection's copy is what infoplist-check writes from the source.
    if not BUILT:
        raise Skip("the test bundle tests/guest/iokit/TestDrivers.kext is not built")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "Info.plist")
        rc, _, err = run(CHECK, "--quiet", "--output", out, SOURCE)
        expect_eq((rc, err), (0, ""), "the test bundle is valid")
        with open(out, "rb") as a, open(BUILT, "rb") as b:
            expect_eq(a.read(), b.read(), "the build's plist is infoplist-check's output")


# ---------------------------------------------------------------- explain-match

WINNER_NOTE = ("would be probed first; probe() may still change the score, start() may "
               "fail and fall through")
PCI_PERSONALITIES = ["GenericNet.kext", "VendorNet.kext/Info.plist"]


def rows(out):
    """The report's personality rows: {name: (bundle, class, result)}."""
    text = lines(out)
    head = text.index(next(t for t in text if t.startswith("BUNDLE ")))
    cols = [text[head].index(c) for c in ("PERSONALITY", "IOCLASS", "RESULT")]
    table = {}
    for t in text[head + 1:]:
        if not t:
            break
        table[t[cols[0]:cols[1]].rstrip()] = (t[:cols[0]].rstrip(),
                                              t[cols[1]:cols[2]].rstrip(), t[cols[2]:])
    return table


def explain_json(*args):
    rc, out, err = run(EXPLAIN, "--json", *args)
    expect(out.endswith("\n") and out.count("\n") == 1, "one JSON object on one line")
    return rc, json.loads(out), err


@case
def explain_vendor_driver_beats_class_driver():
    rc, out, err = run(EXPLAIN, *PCI_PERSONALITIES, "nub-pci.plist")
    expect_eq((rc, err), (0, ""), "exit status and stderr")
    expect_eq(lines(out)[0], "nub IOService:/PCI0@0/ethernet@2, class chain IOPCIDevice "
              "IOService IORegistryEntry OSObject", "the nub, rebuilt under its parent")
    r = rows(out)
    expect_eq(sorted(r), sorted(["GenericEthernet", "E1000", "E1000Stats", "OtherChip",
                                 'Odd "quoted" \\ name']), "every personality is listed")
    expect_eq(r["GenericEthernet"], ("org.example.driver.GenericNet", "GenericEthernet",
              "MATCH score 500, category IODefaultMatchCategory"), "the class driver")
    expect_eq(r["E1000"], ("org.example.driver.VendorNet", "VendorE1000",
              "MATCH score 1100, category IODefaultMatchCategory"),
              "the vendor driver: IOProbeScore 100 + 1000 for its device ID")
    expect_eq(r["E1000Stats"][2], "MATCH score 1000, category VendorNetStats",
              "IOParentMatch and IOResourceMatch met")
    tail = "\n".join(lines(out)[lines(out).index("IODefaultMatchCategory:"):])
    expect_eq(tail, "\n".join([
        "IODefaultMatchCategory:",
        "  1. score 1100   org.example.driver.VendorNet E1000 (VendorE1000)",
        "  2. score 500    org.example.driver.GenericNet GenericEthernet (GenericEthernet)",
        "  winner: org.example.driver.VendorNet E1000 (VendorE1000): " + WINNER_NOTE,
        "",
        "VendorNetStats:",
        "  1. score 1000   org.example.driver.VendorNet E1000Stats (VendorE1000Stats)",
        "  winner: org.example.driver.VendorNet E1000Stats (VendorE1000Stats): " + WINNER_NOTE,
    ]), "the ranking per category and the winners")


@case
def explain_names_the_rejecting_key():
    rc, out, _ = run(EXPLAIN, *PCI_PERSONALITIES, "--nub", "nub-pci.plist")
    r = rows(out)
    other = r["OtherChip"][2]
    expect(other.startswith("no: IOPCIMatch: ") and "0x12348086" in other
           and "0x8086" in other and "0x10d3" in other,
           "OtherChip rejected on IOPCIMatch, naming the IDs: " + other)
    odd = r['Odd "quoted" \\ name'][2]
    expect(odd.startswith("no: IOProviderClass: ") and "IOUSBHostInterface" in odd,
           "a USB personality is rejected on IOProviderClass: " + odd)


@case
def explain_usb_interface_most_specific_wins():
    rc, out, err = run(EXPLAIN, "usb-cdc-acm.plist", "usb-vendor-serial.plist",
                       "usb-hid.plist", "nub-usb-interface.plist")
    expect_eq((rc, err), (0, ""), "exit status and stderr")
    r = rows(out)
    expect_eq(r["usb-vendor-serial"], ("org.example.driver.VendorSerial", "VendorSerial",
              "MATCH score 90000, category IODefaultMatchCategory"),
              "idVendor + idProduct + bConfigurationValue + bInterfaceNumber: 90000")
    expect_eq(r["usb-cdc-acm"][2], "MATCH score 60000, category IODefaultMatchCategory",
              "class + subclass + protocol: 60000")
    expect_eq(r["usb-hid"][0], "usb-hid", "a personality file without a bundle ID is "
              "named by its file")
    expect(r["usb-hid"][2].startswith("no: bInterfaceClass: "), "HID rejected on its class")
    expect("  winner: org.example.driver.VendorSerial usb-vendor-serial (VendorSerial): "
           + WINNER_NOTE in lines(out), "the vendor's interface driver wins")


@case
def explain_json_report():
    rc, j, err = explain_json(*PCI_PERSONALITIES, "nub-pci.plist")
    expect_eq((rc, err), (0, ""), "exit status and stderr")
    expect_eq(j["nub"], {"path": "IOService:/PCI0@0/ethernet@2", "name": "ethernet",
                         "location": "2", "class": "IOPCIDevice",
                         "class_chain": ["IOPCIDevice", "IOService", "IORegistryEntry",
                                         "OSObject"]}, "nub")
    p = {e["name"]: e for e in j["personalities"]}
    expect_eq(len(j["personalities"]), 5, "every personality considered")
    e = p["E1000"]
    expect_eq((e["bundle"], e["class"], e["matched"], e["rejected_key"], e["reason"],
               e["score"], e["category"], e["rank"]),
              ("org.example.driver.VendorNet", "VendorE1000", True, None, None, 1100,
               "IODefaultMatchCategory", 1), "E1000")
    expect_eq((p["GenericEthernet"]["rank"], p["GenericEthernet"]["score"]), (2, 500),
              "GenericEthernet ranks second")
    o = p["OtherChip"]
    expect_eq((o["matched"], o["rejected_key"], o["score"], o["rank"]),
              (False, "IOPCIMatch", None, None), "OtherChip")
    expect("0x12348086" in o["reason"], "the reason says why: " + o["reason"])
    expect('Odd "quoted" \\ name' in p, "quotes and backslashes survive JSON escaping")
    cats = j["categories"]
    expect_eq(sorted(cats), ["IODefaultMatchCategory", "VendorNetStats"], "categories")
    expect_eq([c["name"] for c in cats["IODefaultMatchCategory"]["ranking"]],
              ["E1000", "GenericEthernet"], "ranking")
    expect_eq(cats["IODefaultMatchCategory"]["winner"],
              {"bundle": "org.example.driver.VendorNet", "name": "E1000",
               "class": "VendorE1000", "score": 1100}, "winner")
    expect_eq(cats["VendorNetStats"]["winner"]["name"], "E1000Stats", "second winner")
    expect_eq(j["matched"], 3, "matched count")


@case
def explain_resources_and_parents_come_from_the_nub():
    with open(os.path.join(FIX, "nub-pci.plist"), "rb") as f:
        nub = plistlib.load(f)
    with tempfile.TemporaryDirectory() as d:
        del nub["IOResources"]
        path = os.path.join(d, "nub.plist")
        with open(path, "wb") as f:
            plistlib.dump(nub, f)
        _, j, _ = explain_json(*[os.path.join(FIX, p) for p in PCI_PERSONALITIES], path)
        s = {e["name"]: e for e in j["personalities"]}["E1000Stats"]
        expect_eq((s["matched"], s["rejected_key"]), (False, "IOResourceMatch"),
                  "without the IOKit resource")
        nub["IOResources"] = {"IOKit": True}
        nub["IOParentEntry"]["IOObjectClass"] = "IOPCI2PCIBridge"
        nub["IOParentEntry"]["IOObjectClassChain"] = ["IOPCI2PCIBridge", "IOService",
                                                      "IORegistryEntry", "OSObject"]
        with open(path, "wb") as f:
            plistlib.dump(nub, f)
        _, j, _ = explain_json(*[os.path.join(FIX, p) for p in PCI_PERSONALITIES], path)
        s = {e["name"]: e for e in j["personalities"]}["E1000Stats"]
        expect_eq((s["matched"], s["rejected_key"]), (False, "IOParentMatch"),
                  "under a parent that is not an IOPCIBridge")


@case
def explain_nub_from_an_archive():
    _, want, _ = explain_json(*PCI_PERSONALITIES, "nub-pci.plist")
    rc, j, err = explain_json(*PCI_PERSONALITIES, "archive.plist", "--path",
                              "IOService:/PCI0@0/ethernet@2")
    expect_eq((rc, err), (0, ""), "exit status and stderr")
    expect_eq(j["nub"]["path"], "IOService:/PCI0@0/ethernet@2", "the nub picked by path")
    expect_eq(j["personalities"], want["personalities"],
              "the same results as the nub file (parents and IOResources from the archive)")
    rc, k, _ = explain_json(*PCI_PERSONALITIES, "--nub", "archive.plist",
                            "--id", "4294967570")
    expect_eq((rc, k), (0, j), "--id picks the same entry")
    with open(os.path.join(FIX, "archive.plist")) as f:
        archive = f.read()
    rc, out, err = run(EXPLAIN, *PCI_PERSONALITIES, "--json", "-", "--path",
                       "IOService:/PCI0@0/ethernet@2", stdin=archive)
    expect_eq((rc, err, json.loads(out)), (0, "", j), "the archive piped in (-)")
    # An archive written without -l has no properties: explain-match says so.
    with open(os.path.join(FIX, "archive.plist"), "rb") as f:
        bare = plistlib.load(f)
    eth = bare["IORegistryEntryChildren"][1]["IORegistryEntryChildren"][0]
    for k in [k for k in eth if not k.startswith("IO")]:
        del eth[k]
    rc, out, err = run(EXPLAIN, "GenericNet.kext", "-", "--id", "4294967570",
                       stdin=plistlib.dumps(bare).decode())
    expect_eq(rc, 1, "nothing matches a nub without properties")
    expect_eq(lines(err), ["<stdin>:57:5: note: the nub has no properties: was the archive "
                           "written without -l?  scripts/dextbed ioreg -a -l writes them"],
              "the hint")
    rc, out, _ = run(EXPLAIN, "GenericNet.kext", "archive.plist", "--id", "4294967571")
    expect_eq(rc, 1, "nothing matches the display controller")
    expect(rows(out)["GenericEthernet"][2].startswith("no: IOPCIClassMatch: "),
           "rejected on its class")
    expect_eq(lines(out)[-1], "nothing matched", "and says so")


@case
def explain_nothing_matched_exits_1():
    rc, out, err = run(EXPLAIN, "usb-hid.plist", "nub-pci.plist")
    expect_eq((rc, err), (1, ""), "exit status and stderr")
    expect_eq(lines(out)[-1], "nothing matched: no personality's IOProviderClass is in "
              "the nub's class chain", "the summary")
    rc, j, _ = explain_json("usb-hid.plist", "nub-pci.plist")
    expect_eq((rc, j["matched"], j["categories"]), (1, 0, {}), "JSON says the same")


@case
def explain_bad_input_exits_2_naming_the_file():
    for args, want in [
        (("GenericNet.kext", "bad-nub.plist"),
         ["bad-nub.plist:5:1: error: this entry has no IOObjectClass; add <key>IOObjectClass"
          "</key><string>IOPCIDevice</string> <key>IOObjectClassChain</key><array><string>"
          "IOPCIDevice</string><string>IOService</string><string>IORegistryEntry</string>"
          "<string>OSObject</string></array> (the class first, up to OSObject, as ioreg -a "
          "prints it)",
          "bad-nub.plist: not a usable nub; docs/explain-match.md shows the format"]),
        (("GenericNet.kext", "bad-syntax.plist"),
         ["bad-syntax.plist:11:17: error: expected </integer> to close <integer> opened at "
          "line 11, found </string>",
          "bad-syntax.plist: not a usable nub; docs/explain-match.md shows the format"]),
        (("GenericNet.kext", "archive.plist", "--path", "IOService:/PCI0@0/nic@9"),
         ["archive.plist: error: --path IOService:/PCI0@0/nic@9: IOService:/PCI0@0 has no "
          "child nic@9; its children are: ethernet@2 display@3",
          "archive.plist: not a usable nub; docs/explain-match.md shows the format"]),
        (("GenericNet.kext", "archive.plist"),
         ["archive.plist: error: this is a whole registry archive; pick the nub with --path "
          "IOService:/... or --id N",
          "archive.plist: not a usable nub; docs/explain-match.md shows the format"]),
        (("nub-pci.plist", "nub-pci.plist"),
         ["nub-pci.plist:7:1: error: this is neither an Info.plist (no IOKitPersonalities "
          "or CFBundleIdentifier) nor a personality (no IOProviderClass); give a bundle's "
          "Info.plist, its directory, or a file holding one personality <dict>"]),
        (("nub-pci.plist",),
         ["explain-match: no personalities given (Info.plist files, bundle directories or "
          "personality plists); usage: explain-match [--json] PERSONALITIES... NUB.plist "
          "(see --help)"]),
        (("--id", "x", "GenericNet.kext", "archive.plist"),
         ["explain-match: --id x: expected a registry entry ID (a number, as "
          "IORegistryEntryID shows it)"]),
    ]:
        rc, out, err = run(EXPLAIN, *args)
        expect_eq((rc, out), (2, ""), "exit status and stdout of %s" % (args,))
        expect_eq(lines(err), want, "messages of %s" % (args,))
    rc, out, err = run(EXPLAIN, "bad-dext.plist", "nub-pci.plist")
    expect_eq(rc, 2, "an invalid Info.plist is bad input")
    expect(lines(err)[0].startswith("bad-dext.plist:9:3: error: ") and
           lines(err)[-1] == "bad-dext.plist: the build would refuse this plist (errors "
           "above); fix them first", "with infoplist-check's messages: " + err)
    rc, out, _ = run(EXPLAIN, "--help")
    expect(rc == 0 and out.startswith("usage: explain-match"), "--help")


def main():
    print("1..%d" % len(CASES))
    failed = 0
    for i, fn in enumerate(CASES, 1):
        try:
            fn()
            print("ok %d - %s" % (i, fn.__name__))
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, fn.__name__, e))
        except Failed as e:
            failed += 1
            for line in str(e).splitlines():
                print("# " + line)
            print("not ok %d - %s" % (i, fn.__name__))
        except Exception as e:  # a crash in the test is a failure, not an abort
            failed += 1
            print("# %s: %s" % (type(e).__name__, e))
            print("not ok %d - %s" % (i, fn.__name__))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
