"""``p5knn osc``: the OSC bridge run headless on a camera, a video, the demo source or feature
vectors arriving over OSC (MobileNet or hand, body and face keypoints)."""

from __future__ import annotations

import argparse
import sys


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1"), int(port)


def _osc_classifier(args: argparse.Namespace) -> tuple[object, str | None]:
    """The classifier ``p5knn osc`` runs (``--model``, ``--load``, ``--autosave``) and a
    reason it cannot run (None: it can)."""
    from p5knn.knn import KEYPOINT_MODELS, create, load

    options: dict = {"k": args.k, "autosave": args.autosave}
    if args.metric or args.model in KEYPOINT_MODELS:
        options["metric"] = args.metric or "euclidean"
    extractor = None if args.features else args.model   # None: MobileNet, or the file's
    knn = load(args.load, extractor, **options) if args.load else create(extractor, **options)
    if extractor is None and not args.load and not args.features and \
            knn.model in KEYPOINT_MODELS:
        knn.close()    # resumed (--autosave) from a keypoint file: run its extractor
        knn = create(knn.model, **options)
    problem = None
    if args.model and knn.model and knn.model != args.model:
        problem = (f"{args.load or args.autosave} holds {knn.model} features, not "
                   f"{args.model}: pass --model {knn.model}, or start a new file")
    elif args.send_landmarks and (args.features or
                                  (args.model or knn.model) not in KEYPOINT_MODELS):
        problem = ("--send-landmarks needs keypoints of a camera, a video or --demo: "
                   "--model hands, pose or face (not --features)")
    if problem:
        knn.close()
        return None, problem
    return knn, None


def run(args: argparse.Namespace) -> int:
    """Run ``p5knn osc`` with parsed ``args``; the exit status."""
    import signal
    import time

    from p5knn.features._keypoint_vectors import FEATURE_SIZES
    from p5knn.live._camera import Camera
    from p5knn.tools._osc import OSCBridge

    knn, problem = _osc_classifier(args)
    if problem:
        print(f"p5knn osc: {problem}", file=sys.stderr, flush=True)
        return 2
    camera = None
    if not args.features:
        camera = Camera(args.video, mirror=args.mirror) if args.video else \
            Camera("demo", mirror=args.mirror) if args.demo else \
            Camera(args.camera, mirror=args.mirror)
    size = FEATURE_SIZES.get(args.model or "") if args.features else None
    try:
        bridge = OSCBridge(knn, _address(args.send), _address(args.listen), source=camera,
                           wekinator=args.wekinator,
                           data_dir=args.data_dir,  # None: ./p5knn_data (the CLI is no script)
                           remote_files=not args.no_remote_files,
                           send_landmarks=args.send_landmarks, vector_size=size)
    except BaseException:
        knn.close()
        if camera:
            camera.close()
        raise
    features = f"{bridge.extractor.name} features ({bridge.vector_size} numbers)" \
        if bridge.extractor is not None else \
        f"vectors of {bridge.vector_size} numbers" if bridge.vector_size else "any vectors"
    print(f"p5knn osc: listening on {bridge.address[0]}:{bridge.address[1]}, sending to "
          f"{args.send}; input: {camera.status if camera else 'feature vectors (/wek/inputs)'}"
          f"; {features}", flush=True)
    print("p5knn osc: remote /p5knn/save and /p5knn/load: " +
          (f"file names only, in {bridge.data_dir}" if bridge.remote_files else "off"),
          flush=True)
    if bridge.send_landmarks:
        kind = bridge.keypoints.name
        print(f"p5knn osc: landmarks go to /p5knn/{kind}/count and /p5knn/{kind}" +
              ("/<i>" if kind == "hands" else "") + " every frame", flush=True)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *a: stop.update(now=True))
    start = time.monotonic()
    try:
        while not stop["now"] and (args.seconds is None or
                                   time.monotonic() - start < args.seconds):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        bridge.close()
        knn.close()
        if camera:
            camera.close()
    landmarks = f", landmarks of {bridge.landmarks_sent} frames" if bridge.send_landmarks \
        else ""
    print(f"p5knn osc: {bridge.received} messages, {bridge.sent} predictions sent{landmarks}, "
          f"{bridge.malformed} malformed packets, {len(knn)} examples", flush=True)
    return 0
