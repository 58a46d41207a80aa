#!/usr/bin/python3
"""Emit the kernel symbol table (assembly) from a linked kernel ELF.

usage: gen-ksyms.py NM KERNEL.ELF OUT.S
With KERNEL.ELF '-', emit an empty table (the first link pass)."""
import subprocess
import sys


def main():
    nm, elf, out = sys.argv[1:4]
    syms = []
    if elf != "-":
        text = subprocess.run([nm, "-n", elf], check=True, capture_output=True,
                              text=True).stdout
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "Tt":
                syms.append((int(parts[0], 16), parts[2]))
    lines = ['    .section .ksyms, "a"', "    .balign 8",
             "    .globl ksyms_count, ksyms_addrs, ksyms_name_offsets, ksyms_names",
             f"ksyms_count: .quad {len(syms)}", "ksyms_addrs:"]
    lines += [f"    .quad {addr:#x}" for addr, _ in syms]
    lines.append("ksyms_name_offsets:")
    offset = 0
    for _, name in syms:
        lines.append(f"    .long {offset}")
        offset += len(name) + 1
    lines.append("ksyms_names:")
    lines += [f'    .asciz "{name}"' for _, name in syms]
    lines.append("    .byte 0")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
