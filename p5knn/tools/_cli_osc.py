"""``p5knn osc``: the OSC bridge run headless on a camera, a video, the demo source or feature
vectors arriving over OSC (MobileNet or hand, body and face keypoints), optionally in gesture
mode and in the Wekinator profile (Wekinator's ports: listen 6448, send 12000)."""

from __future__ import annotations

import argparse
import sys

#: (listen, send) defaults: p5knn's own, and the Wekinator profile's (Wekinator's ports)
PORTS = {False: ("127.0.0.1:12001", "127.0.0.1:12000"),
         True: ("127.0.0.1:6448", "127.0.0.1:12000")}
STEADY_OPTIONS = ("majority", "min_stable", "timeout", "on_change")


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1"), int(port)


def _addresses(args: argparse.Namespace) -> tuple[str, str]:
    """(listen, send): as given, else the profile's defaults."""
    listen, send = PORTS[bool(args.wekinator)]
    return args.listen or listen, args.send or send


def _steady(args: argparse.Namespace) -> dict | None:
    """The steady-output options given (``--majority`` …), or None."""
    given = {name: getattr(args, name) for name in STEADY_OPTIONS
             if getattr(args, name, None) is not None and getattr(args, name) is not False}
    return given or None


def _gesture_classifier(args: argparse.Namespace) -> object | None:
    """The gesture classifier of ``--gestures`` / ``--load-gestures`` (None: neither)."""
    if args.load_gestures:
        from p5knn.gestures import load

        return load(args.load_gestures)
    if args.gestures:
        from p5knn.gestures import create

        return create()
    return None


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

    from p5knn._base.errors import P5KNNError
    from p5knn.features._keypoint_vectors import FEATURE_SIZES
    from p5knn.live._camera import Camera
    from p5knn.tools._osc import OSCBridge

    listen, send = _addresses(args)
    steady = _steady(args)
    try:
        gestures = _gesture_classifier(args)
    except (P5KNNError, OSError, ValueError) as exc:
        print(f"p5knn osc: cannot load {args.load_gestures}: {exc}", file=sys.stderr,
              flush=True)
        return 2
    knn, problem = _osc_classifier(args)
    if problem:
        if gestures is not None:
            gestures.close()
        print(f"p5knn osc: {problem}", file=sys.stderr, flush=True)
        return 2
    camera = None
    if not args.features:
        camera = Camera(args.video, mirror=args.mirror) if args.video else \
            Camera("demo", mirror=args.mirror) if args.demo else \
            Camera(args.camera, mirror=args.mirror)
    size = FEATURE_SIZES.get(args.model or "") if args.features else None
    try:
        bridge = OSCBridge(knn, _address(send), _address(listen), source=camera,
                           wekinator=args.wekinator,
                           data_dir=args.data_dir,  # None: ./p5knn_data (the CLI is no script)
                           remote_files=not args.no_remote_files,
                           send_landmarks=args.send_landmarks, vector_size=size,
                           gestures=gestures if gestures is not None else
                           (None if args.wekinator else False),
                           max_rate=args.max_rate, heartbeat=args.heartbeat, steady=steady,
                           status_to=args.status_to)
    except (ValueError, TypeError) as exc:
        _close(knn, camera, gestures)
        print(f"p5knn osc: {exc}", file=sys.stderr, flush=True)
        return 2
    except BaseException:
        _close(knn, camera, gestures)
        raise
    _say_hello(args, bridge, camera, send)
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
        _close(knn, camera, gestures)
    landmarks = f", landmarks of {bridge.landmarks_sent} frames" if bridge.send_landmarks \
        else ""
    moves = f", {bridge.gestures_sent} gestures recognised, {len(bridge.gestures)} recorded" \
        if bridge.gestures is not None else ""
    print(f"p5knn osc: {bridge.received} messages, {bridge.sent} predictions sent{landmarks}"
          f"{moves}, {bridge.malformed} malformed packets, {len(knn)} examples", flush=True)
    return 0


def _close(knn: object, camera: object, gestures: object) -> None:
    knn.close()
    if camera:
        camera.close()
    if gestures is not None:
        gestures.close()


def _say_hello(args: argparse.Namespace, bridge: object, camera: object, send: str) -> None:
    """The lines ``p5knn osc`` starts with (the first two always come first, in this order)."""
    features = f"{bridge.extractor.name} features ({bridge.vector_size} numbers)" \
        if bridge.extractor is not None else \
        f"vectors of {bridge.vector_size} numbers" if bridge.vector_size else "any vectors"
    print(f"p5knn osc: listening on {bridge.address[0]}:{bridge.address[1]}, sending to "
          f"{send}; input: {camera.status if camera else 'feature vectors (/wek/inputs)'}"
          f"; {features}", flush=True)
    print("p5knn osc: remote /p5knn/save and /p5knn/load: " +
          (f"file names only, in {bridge.data_dir}" if bridge.remote_files else "off"),
          flush=True)
    if bridge.send_landmarks:
        kind = bridge.keypoints.name
        print(f"p5knn osc: landmarks go to /p5knn/{kind}/count and /p5knn/{kind}" +
              ("/<i>" if kind == "hands" else "") + " every frame", flush=True)
    if args.wekinator:
        print("p5knn osc: Wekinator profile: /wek/outputs with every prediction; "
              "startDtwRecording " + ("records gestures" if bridge.gestures is not None else
                                      "switches to gesture mode while the KNN is empty") +
              "; /wekinator/status/done-training after train", flush=True)
    if bridge.gestures is not None:
        print(f"p5knn osc: gesture mode: /wek/inputs frames go to the gesture classifier "
              f"({len(bridge.gestures)} gestures); recognised ones to /p5knn/gesture/<name>",
              flush=True)
    shaping = [f"steady {bridge.steady!r}" if bridge.steady is not None else "",
               f"at most {args.max_rate:g} predictions/s" if args.max_rate else "",
               f"/p5knn/heartbeat every {args.heartbeat:g} s" if args.heartbeat else ""]
    if any(shaping):
        print("p5knn osc: " + "; ".join(x for x in shaping if x), flush=True)
