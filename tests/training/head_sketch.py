"""Run by test_head.py: a module-mode sketch that teaches a head from draw() the way
sketches/train_head_live.py does, and prints what happened as JSON."""

import json
import threading

import numpy as np
import py5

import p5knn

mobilenet = p5knn.feature_extractor()
head = mobilenet.classification(epochs=3, hidden_units=8)
RED, BLUE = np.full((32, 32, 3), (255, 0, 0), np.uint8), np.full((32, 32, 3), (0, 0, 255),
                                                                 np.uint8)
state = {"frames": 0, "add_returns": [], "train_returns": None, "loss_epochs": [],
         "callbacks_on_draw_thread": [], "done": False, "answers": [], "asking": False}
draw_thread = None


def on_draw_thread() -> None:
    state["callbacks_on_draw_thread"].append(threading.get_ident() == draw_thread)


def on_loss(epoch, loss):
    state["loss_epochs"].append(epoch)
    on_draw_thread()


def on_done(h):
    state["done"] = h is head
    on_draw_thread()


def got(result):
    state["answers"].append(result.label)
    state["asking"] = False
    on_draw_thread()


def setup():
    py5.size(100, 100)


def draw():
    global draw_thread
    draw_thread = threading.get_ident()
    state["frames"] += 1
    frame = state["frames"]
    if frame == 1:      # p5knn meets the sketch: from the next draw() on, it knows this thread
        mobilenet.classify(RED, callback=lambda result: None)
    elif 2 <= frame <= 11:
        future = head.add_image(RED if frame % 2 else BLUE, "red" if frame % 2 else "blue")
        state["add_returns"].append(type(future).__name__)
    elif frame == 12:   # the adds may still be queued: training waits for them
        state["train_returns"] = type(head.train(callback=on_loss, done=on_done)).__name__
    elif head.is_trained and not head.is_training and not state["asking"] \
            and len(state["answers"]) < 4:  # one question at a time
        state["asking"] = True
        head.classify(RED if len(state["answers"]) % 2 == 0 else BLUE, callback=got)
    if len(state["answers"]) >= 4 or frame > 3000:
        state["examples"] = len(head)
        state["labels"] = head.labels
        py5.exit_sketch()


py5.run_sketch()
print(json.dumps(state))
