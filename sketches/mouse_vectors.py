"""KNN on plain feature vectors: the mouse position. Hold 1, 2 or 3 and click to add an
example where you click; the background shows which label wins everywhere.

    python sketches/mouse_vectors.py

Positions need ``metric="euclidean"``: cosine similarity only sees the direction from the
corner, so it would call (10, 10) and (300, 300) the same point.
"""

import py5

import p5knn

knn = p5knn.knn_classifier.create(metric="euclidean", k=3, weights="distance")
COLOURS = {"1": (230, 90, 70), "2": (70, 150, 230), "3": (90, 200, 110)}
CELL = 20
field = None
result = None


def setup():
    py5.size(640, 480)
    for label, (x, y) in zip("123", [(120, 120), (520, 140), (320, 400)]):
        knn.add_example([x, y], label)                     # a starting point per label
    refresh()


def refresh():
    """Predict the label of every cell, now (``wait=True``: on the animation thread a call
    would otherwise return a Future; vectors are fast)."""
    global field
    xs = range(CELL // 2, py5.width, CELL)
    ys = range(CELL // 2, py5.height, CELL)
    field = [[knn.predict_class([x, y], wait=True).label for x in xs] for y in ys]


def got(r):
    global result
    result = r


def mouse_pressed():
    if py5.is_key_pressed and py5.key in "123":
        knn.add_example([py5.mouse_x, py5.mouse_y], py5.key, wait=True)  # stored before refresh()
        refresh()


def draw():
    py5.no_stroke()
    for row, labels in enumerate(field):
        for col, label in enumerate(labels):
            py5.fill(*COLOURS[label], 90)
            py5.rect(col * CELL, row * CELL, CELL, CELL)
    for i in range(len(knn)):
        vector, label = knn.get_example(i)
        py5.fill(*COLOURS[label])
        py5.circle(*vector, 10)
    knn.predict_class([py5.mouse_x, py5.mouse_y], callback=got)
    if result is not None:
        py5.fill(255)
        py5.text(f"{result.label}  {result.confidence:.0%}  nearest {result.distance:.0f} px",
                 py5.mouse_x + 12, py5.mouse_y)
    py5.fill(255)
    py5.text(f"hold 1/2/3 and click to add   examples: {knn.get_count_by_label()}", 10, 20)


py5.run_sketch()
