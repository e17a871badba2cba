#!/usr/bin/env python3
"""The package's copyright file: saba-recon's own notice, then every Swift package that the
binary links statically, found from the binary itself (a package is listed when a Swift
symbol of one of its modules is in the unstripped binary), with its licence and NOTICE.

usage: copyright.py SCRATCH_PATH UNSTRIPPED_BINARY  (writes to stdout)
"""
import json
import os
import re
import subprocess
import sys

scratch, binary = sys.argv[1], sys.argv[2]
checkouts = os.path.join(scratch, "checkouts")

symbols = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
# Swift mangles a module name as $s<length><name>: the modules the binary holds code of.
mangled = set()
for m in re.finditer(r"\$s(\d+)([A-Za-z_][A-Za-z0-9_]*)", symbols):
    n = int(m.group(1))
    mangled.add(m.group(2)[:n])


def modules(package_dir):
    """Its targets' folders: Sources/<Target>, or top-level ones (GRDB.swift keeps GRDB/)."""
    found = set(n for n in os.listdir(package_dir) if os.path.isdir(os.path.join(package_dir, n)))
    sources = os.path.join(package_dir, "Sources")
    if os.path.isdir(sources):
        found |= set(os.listdir(sources))
    return sorted(found)


def licence_name(text):
    if "Apache License" in text and "Version 2.0" in text:
        return "Apache-2.0" + (" with Runtime Library Exception" if "Runtime Library Exception" in text else "")
    if "Permission is hereby granted, free of charge" in text:
        return "MIT"
    if "Redistribution and use in source and binary forms" in text:
        return "BSD"
    return "see the text below"


resolved = {}
try:
    with open("Package.resolved") as f:
        for pin in json.load(f).get("pins", []):
            resolved[pin["identity"].lower()] = pin.get("state", {}).get("version", "")
except (OSError, ValueError):
    pass

out = []
out.append("saba-recon\n")
out.append("Copyright 2026 the saba-recon maintainers <maintainers@users.noreply.h-seed-148205d7.example>.")
out.append("All rights reserved: no licence for redistribution has been chosen by its owners yet.\n")
out.append("The binary /usr/bin/saba-recon links the Swift runtime and Foundation statically")
out.append("(Swift toolchain; Apache License 2.0 with Runtime Library Exception; Foundation's")
out.append("internationalisation data is ICU's, under the Unicode License v3), and these Swift packages.")
out.append("The Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0; other licences and")
out.append("every NOTICE file follow in full.\n")

texts = []
for name in sorted(os.listdir(checkouts), key=str.lower):
    d = os.path.join(checkouts, name)
    mods = [m for m in modules(d) if m in mangled]
    if not mods:
        continue  # not in this binary (a test or sandbox dependency)
    licence_file = next((os.path.join(d, f) for f in ("LICENSE.txt", "LICENSE", "LICENSE.md", "COPYING") if os.path.isfile(os.path.join(d, f))), None)
    text = open(licence_file, encoding="utf-8", errors="replace").read() if licence_file else ""
    kind = licence_name(text) if text else "no licence file found"
    version = resolved.get(name.lower(), "")
    out.append(f"  {name} {version}: {kind} (modules {', '.join(mods)})")
    if text and not kind.startswith("Apache-2.0"):
        texts.append((f"{name}: {os.path.basename(licence_file)}", text))
    for notice in ("NOTICE.txt", "NOTICE"):
        p = os.path.join(d, notice)
        if os.path.isfile(p):
            texts.append((f"{name}: {notice}", open(p, encoding="utf-8", errors="replace").read()))
            break

# Yams compiles libyaml's C sources into its CYaml module (its own LICENSE covers Yams only).
if any(line.startswith("  Yams ") for line in out):
    texts.append(("libyaml (in Yams's CYaml module): License", """Copyright (c) 2017-2020 Ingy döt Net
Copyright (c) 2006-2016 Kirill Simonov

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""))
# The Swift runtime and Foundation, linked statically: the toolchain's own licence file
# (Apache 2.0 with the Runtime Library Exception).
swiftc = subprocess.run(["sh", "-c", "command -v swiftc"], capture_output=True, text=True).stdout.strip()
toolchain_licence = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(swiftc))), "share", "swift", "LICENSE.txt") if swiftc else ""
if toolchain_licence and os.path.isfile(toolchain_licence):
    text = open(toolchain_licence, encoding="utf-8", errors="replace").read()
    # The Apache 2.0 terms are in common-licenses (Policy 12.5); the exception follows them.
    exception = text[text.find("## Runtime Library Exception"):] if "## Runtime Library Exception" in text else ""
    texts.append(("Swift runtime and Foundation: Apache License 2.0 (/usr/share/common-licenses/Apache-2.0) with this exception", exception or "see https://swift.org/LICENSE.txt"))

for title, text in texts:
    out.append("\n" + "-" * 72)
    out.append(title)
    out.append("-" * 72)
    out.append(text.rstrip())

print("\n".join(out))
