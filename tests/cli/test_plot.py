#!/usr/bin/env python3
"""`lrsc plot`: the SVG figure's geometry, round ticks in SVG and terminal,
PNG output, and a few golden pictures compared with a tolerance.

usage: test_plot.py LRSC DIR [--update]

The geometry is checked from first principles: a linear schedule's points
lie on the straight line its formula gives, every point lies inside its
panel's frame, the legend lies outside it, ticks are 1, 2 or 5 times a
power of ten (decades on a log axis). The golden PNGs in DIR/golden were
drawn by lrsc and checked by eye; --update redraws them (look at them
before committing).
"""
import math
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pngread  # noqa: E402

LRSC, DIR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
UPDATE = "--update" in sys.argv
ROOT = os.path.dirname(os.path.dirname(DIR))
fails = []
tmp = tempfile.mkdtemp()


def run(*args):
    p = subprocess.run([LRSC] + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def src(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def svg_of(path, *args):
    out = os.path.join(tmp, "out.svg")
    rc, _, err = run("plot", path, "-o", out, *args)
    if rc != 0:
        fails.append("plot %s %r: exit %d %s" % (path, args, rc, err))
        return ""
    return open(out).read()


def frames(svg):
    return [tuple(map(float, m)) for m in re.findall(
        r'<rect class="frame" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)]


def value(label):
    return float(label.replace("k", "e3").replace("M", "e6"))


def is_125(v):
    """v is 1, 2 or 5 times a power of ten."""
    m = abs(v) / 10 ** int(("%e" % abs(v)).split("e")[1])
    return any(abs(m - d) < 1e-6 for d in (1, 2, 5))


def round_ticks(labels):
    """Labels of a linear axis: equally spaced by 1, 2 or 5 times a power of
    ten, each a whole multiple of that spacing."""
    v = sorted(value(l) for l in labels)
    if len(v) < 2:
        return False
    d = v[1] - v[0]
    return is_125(d) and all(abs((b - a) - d) < 1e-6 * d for a, b in zip(v, v[1:])) and \
        all(abs(x / d - round(x / d)) < 1e-6 for x in v)


def y_labels(svg):
    return re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)</text>', svg)


def x_labels(svg):
    return re.findall(r'text-anchor="middle">([-\d.ekM]+)</text>', svg)


# A cosine: every point of the polyline lies on the curve its formula gives
# (to the SVG's 0.1 px rounding and its 0.1 px simplification).
lin = src("lin.lrs", "schedule lr = cosine(1 -> 0.5) for 1000\n")
svg = svg_of(lin)
fr = frames(svg)
pts = [tuple(map(float, p.split(","))) for m in re.findall(r'points="([^"]*)"', svg)
       for p in m.split()]
if len(fr) != 1 or len(pts) < 20:
    fails.append("cosine: %d frames, %d points" % (len(fr), len(pts)))
else:
    x, y, w, h = fr[0]
    (xa, ya), (xb, yb) = pts[0], pts[-1]
    for px, py in pts:
        if not (x <= px <= x + w and y <= py <= y + h):
            fails.append("point %r outside the frame %r" % ((px, py), fr[0]))
            break
        s = (px - xa) / (xb - xa) * 1000
        v = 0.5 + 0.5 * (1 + math.cos(math.pi * s / 1000)) / 2
        want = ya + (v - 1) / (0.5 - 1) * (yb - ya)
        if abs(py - want) > 0.35:
            fails.append("point %r is off the curve (want y %.2f)" % ((px, py), want))
            break
    # 1 and 0.5 are not at the frame's edges: a line at an extreme stays visible.
    if not (y + 2 < min(ya, yb) and max(ya, yb) < y + h - 2):
        fails.append("the line touches the frame: %r in %r" % ((ya, yb), fr[0]))
    # The legend lies to the right of the data.
    for lx in re.findall(r'<line class="legend" x1="([\d.]+)"', svg):
        if float(lx) <= x + w:
            fails.append("legend at x %s overlaps the data (frame ends at %g)" % (lx, x + w))
    if "<title" in svg or tmp in svg:
        fails.append("the title shows the file's directory")
    if ">lin.lrs</text>" not in svg:
        fails.append("the default title is not the file's name")
for labs in (y_labels(svg), x_labels(svg)):
    if not round_ticks(labs):
        fails.append("tick labels %r are not round" % labs)

# lr and momentum of 1cycle: two panels, so neither flattens the other.
svg = svg_of(os.path.join(ROOT, "examples/onecycle.lrs"))
if len(frames(svg)) != 2:
    fails.append("onecycle: %d panels, want 2 (lr, momentum)" % len(frames(svg)))
# Schedules of one magnitude share a panel.
svg = svg_of(os.path.join(ROOT, "docs/schedules/hf.lrs"))
if len(frames(svg)) != 1:
    fails.append("hf: %d panels, want 1" % len(frames(svg)))
long_name = max(re.findall(r'<text class="legend" x="([\d.]+)" y="[\d.]+">([^<]*)<', svg),
                key=lambda t: len(t[1]))
width = float(re.search(r'<svg [^>]*width="([\d.]+)"', svg).group(1))
if float(long_name[0]) + 7.2 * len(long_name[1]) > width + 1:
    fails.append("legend label %r is cut off" % long_name[1])

# Log axis: decades.
svg = svg_of(os.path.join(ROOT, "docs/schedules/torch_step.lrs"), "--log")
labs = y_labels(svg)
if not labs or not all(re.fullmatch(r"1e-\d+|0\.0*1|1|10*", l) for l in labs):
    fails.append("log ticks are not decades: %r" % labs)

# Epochs on the x axis, a title, boundary marks.
sgdr = os.path.join(ROOT, "examples/sgdr.lrs")
svg = svg_of(sgdr, "--title", "SGDR <30 epochs>", "--boundaries")
if "epoch</text>" not in svg or x_labels(svg)[:3] != ["0", "5", "10"]:
    fails.append("sgdr: x axis not in epochs: %r" % x_labels(svg)[:5])
if ">SGDR &lt;30 epochs&gt;</text>" not in svg:
    fails.append("--title missing or not escaped")
if len(re.findall(r'class="boundary"', svg)) != 1:  # the restart at epoch 10 (3910 steps)
    fails.append("sgdr --boundaries: %d marks, want 1" % len(re.findall('class="boundary"', svg)))
svg = svg_of(sgdr, "--x", "steps")
if "step</text>" not in svg:
    fails.append("--x steps ignored")
rc, _, err = run("plot", lin, "--x", "epochs", "-o", os.path.join(tmp, "x.svg"))
if rc != 2 or "steps_per_epoch" not in err:
    fails.append("--x epochs without steps_per_epoch: exit %d %r" % (rc, err))

# Output formats: .svg, .png, and a clear error for anything else.
rc, _, err = run("plot", lin, "-o", os.path.join(tmp, "x.pdf"))
if rc != 2 or "FILE.png" not in err or os.path.exists(os.path.join(tmp, "x.pdf")):
    fails.append("-o x.pdf: exit %d %r" % (rc, err))

# Terminal: round tick labels.
rc, out, err = run("plot", os.path.join(ROOT, "examples/transformer.lrs"), "--width", "80",
                   "--height", "10")
ylabs = re.findall(r"^\s*(\S+) ┤", out, re.M)
xl = out.strip().splitlines()[-1].split()
if rc != 0 or not round_ticks(ylabs) or xl[-1] != "steps" or not round_ticks(xl[:-1]):
    fails.append("terminal ticks not round: %r %r" % (ylabs, xl))

# Golden pictures, compared with a tolerance for font rendering.
for name, args in (("onecycle", ["examples/onecycle.lrs"]),
                   ("sgdr", ["examples/sgdr.lrs", "--boundaries", "--log"])):
    out = os.path.join(tmp, name + ".png")
    rc, _, err = run("plot", os.path.join(ROOT, args[0]), *args[1:], "--backend", "interp",
                     "-o", out)
    if rc != 0:
        fails.append("png %s: exit %d %s" % (name, rc, err))
        continue
    gold = os.path.join(DIR, "golden", name + ".png")
    if UPDATE:
        os.replace(out, gold)
        continue
    w1, h1, a = pngread.read(out)
    w2, h2, b = pngread.read(gold)
    if (w1, h1) != (w2, h2):
        fails.append("%s.png is %dx%d, the golden picture %dx%d" % (name, w1, h1, w2, h2))
        continue
    bad = sum(1 for y in range(h1) for x in range(w1)
              if max(abs(p - q) for p, q in zip(a[y][x], b[y][x])) > 64)
    if bad > 0.005 * w1 * h1:
        fails.append("%s.png differs from the golden picture in %d pixels (%.2f%%)"
                     % (name, bad, 100.0 * bad / (w1 * h1)))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
