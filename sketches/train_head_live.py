"""Train a head live (ml5 featureExtractor style): hold 1, 2 or 3 to record examples, press
t to train — the loss curve is drawn while it trains — then the head classifies the camera.

    python sketches/train_head_live.py
"""

import py5

import p5knn

cam = p5knn.Camera()
mobilenet = p5knn.feature_extractor()
head = mobilenet.classification(epochs=30)
losses = []
answer = None
status = "hold 1, 2 or 3 to record, t to train"


def setup():
    py5.size(640, 480)
    py5.text_size(16)


def while_training(epoch, loss):          # called after each epoch, before draw()
    losses.append(loss)


def trained(h):
    global status
    status = f"trained on {len(h)} examples: {', '.join(map(str, h.labels))}"


def got(result):
    global answer
    answer = result


def key_pressed():
    global status, losses
    if py5.key == "t":
        try:
            losses = []
            head.train(callback=while_training, done=trained)   # returns at once
            status = "training…"
        except (ValueError, p5knn.P5KNNError) as exc:
            status = str(exc)


def draw():
    py5.image(cam.py5_image(), 0, 0)
    if py5.is_key_pressed and py5.key in "123":
        head.add_image(cam, py5.key)       # from draw(): returns at once, never dropped
    if head.is_trained and not head.is_training:
        head.classify(cam, callback=got)   # latest frame wins
    py5.fill(0, 170)
    py5.no_stroke()
    py5.rect(0, 0, py5.width, 34)
    py5.rect(py5.width - 220, py5.height - 130, 210, 120)
    py5.fill(255)
    text = status
    if answer and not head.is_training:
        text = "  ".join(f"{label}: {conf:.0%}" for label, conf in answer.top())
    py5.text(f"{text}   ({len(head)} examples)", 10, 23)
    if losses:                             # the loss curve
        py5.stroke(255, 200, 80)
        py5.no_fill()
        top = max(losses)
        with py5.begin_shape():
            for i, loss in enumerate(losses):
                x = py5.width - 210 + 190 * i / max(len(losses) - 1, 1)
                y = py5.height - 20 - 100 * loss / top
                py5.vertex(x, y)
        py5.no_stroke()
        py5.fill(255)
        py5.text(f"loss {losses[-1]:.3f}", py5.width - 210, py5.height - 112)


py5.run_sketch()
