"""Print the directory, relative to the prefix argv[1], where `cmake
--install` puts the Python package so that this interpreter (or the
virtual environment at the prefix) imports it without PYTHONPATH."""
import os
import sys

prefix = os.path.realpath(sys.argv[1])
version = "python%d.%d" % sys.version_info[:2]
default = os.path.join("lib", version, "site-packages")
if os.path.exists(os.path.join(prefix, "pyvenv.cfg")):
    print(default)
else:
    for d in sys.path:
        d = os.path.realpath(d)
        rel = os.path.relpath(d, prefix)
        if rel.startswith("lib" + os.sep) and os.path.basename(d) in ("site-packages",
                                                                       "dist-packages"):
            print(rel)
            break
    else:
        print(default)
