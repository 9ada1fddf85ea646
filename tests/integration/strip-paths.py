# SPDX-License-Identifier: LGPL-2.1-or-later
# Normalise `kexport show -j` output for comparing trees that differ only in
# where they are and how they are compressed.
import json, sys
doc = json.load(sys.stdin)
for m in doc["modules"]:
    del m["path"], m["compression"]
json.dump(doc, sys.stdout, indent=1, sort_keys=True)
