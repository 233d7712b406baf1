"""Writes digits.txt from scikit-learn's bundled copy of the UCI digits.

Run once with Debian's python3-sklearn: /usr/bin/python3 export_digits.py
"""
from sklearn.datasets import load_digits
import sklearn

d = load_digits()
X, y = d.data.astype(int), d.target
assert X.min() >= 0 and X.max() <= 16
with open("digits.txt", "w") as f:
    f.write("# The 8x8 handwritten digits of scikit-learn (%s), load_digits().\n" % sklearn.__version__)
    f.write("# One sample per line: the label, a space, then 64 pixels (row by row)\n")
    f.write("# each written as one letter: 'a' + value, value in 0..16.\n")
    for xi, yi in zip(X, y):
        f.write("%d %s\n" % (yi, "".join(chr(97 + v) for v in xi)))
