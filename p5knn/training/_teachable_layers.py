"""The allowlist of Keras layers a Teachable Machine topology may use: each layer's config
type- and range-checked into Keras 3 constructor arguments, with the weights it needs
(:func:`_leaf`), and the small checks they are made of. Used by
:mod:`p5knn.training._teachable_graph`, which walks the whole topology.
"""

from __future__ import annotations

import math
from typing import Any

from p5knn._base.errors import CorruptFileError


ACTIVATIONS = ("linear", "relu", "relu6", "softmax", "sigmoid", "tanh", "elu", "selu",
               "softplus", "softsign", "swish", "silu", "gelu", "hard_sigmoid", "hard_swish",
               "exponential", "leaky_relu")

#: options any layer may carry that do not change what it computes (or that the loaded
#: weights replace)
_COSMETIC = {"name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape",
             "batch_size", "input_dim", "activity_regularizer", "autocast", "sparse",
             "ragged", "optional", "synchronized", "fused", "virtual_batch_size",
             "adjustment", "renorm_clipping", "renorm_momentum", "noise_shape", "seed",
             "lora_rank", "lora_alpha", "quantization_config"}


# ------------------------------------------------------------------------------ checks

def _bad(where: str, message: str) -> CorruptFileError:
    return CorruptFileError(f"{where}: {message}")


def _int(value: Any, lo: int, hi: int, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(where, f"{what} must be a whole number from {lo} to {hi}, got {value!r}"[:300])
    return value


def _ints(value: Any, n: int, lo: int, hi: int, what: str, where: str) -> tuple[int, ...]:
    """A number, or a list of ``n`` numbers (Keras accepts both)."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise _bad(where, f"{what} must have {n} numbers, got {len(value)}")
        return tuple(_int(v, lo, hi, what, where) for v in value)
    return (_int(value, lo, hi, what, where),) * n


def _float(value: Any, lo: float, hi: float, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or not lo <= value <= hi:
        raise _bad(where, f"{what} must be a number from {lo} to {hi}, got {value!r}"[:300])
    return float(value)


def _bool(value: Any, what: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(where, f"{what} must be true or false, got {value!r}"[:300])
    return value


def _choice(value: Any, options: tuple[str, ...], what: str, where: str) -> str:
    if not isinstance(value, str) or value.lower() not in options:
        raise _bad(where, f"{what} must be one of {options}, got {value!r}"[:300])
    return value.lower()


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 256 or "\x00" in value:
        raise _bad(where, f"a layer name must be text of 1 to 256 characters, got {value!r}"[:300])
    return value


def _dict(value: Any, what: str, where: str) -> dict:
    if not isinstance(value, dict):
        raise _bad(where, f"{what} must be an object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str, where: str) -> list:
    if not isinstance(value, list):
        raise _bad(where, f"{what} must be a list, got {type(value).__name__}")
    return value


def _check_dtype(value: Any, where: str) -> None:
    """Keras 2 writes ``"float32"``, Keras 3 a ``DTypePolicy`` object naming it."""
    if isinstance(value, dict):
        value = _dict(value.get("config"), "dtype config", where).get("name")
    if value not in (None, "float32"):
        raise _bad(where, f"only float32 layers are supported, got dtype {value!r}"[:300])


def _activation(value: Any, where: str) -> str:
    if value is None:
        return "linear"
    return _choice(value, ACTIVATIONS, "activation", where)


# ------------------------------------------------------------------------------ layers

def _conv_common(cfg: dict, where: str) -> dict[str, Any]:
    out = {"kernel_size": _ints(cfg.get("kernel_size"), 2, 1, 64, "kernel_size", where),
           "strides": _ints(cfg.get("strides", 1), 2, 1, 64, "strides", where),
           "padding": _choice(cfg.get("padding", "valid"), ("valid", "same"), "padding", where),
           "dilation_rate": _ints(cfg.get("dilation_rate", 1), 2, 1, 64, "dilation_rate", where),
           "activation": _activation(cfg.get("activation"), where),
           "use_bias": _bool(cfg.get("use_bias", True), "use_bias", where)}
    if max(out["strides"]) > 1 and max(out["dilation_rate"]) > 1:
        raise _bad(where, "strides and dilation_rate cannot both be above 1")
    return out


def _leaf(kind: str, cfg: dict, where: str) -> tuple[dict[str, Any], list, set[str]]:
    """``(Keras 3 arguments, weights, keys understood)`` of one known layer."""
    keys: set[str] = set()
    weights: list[tuple[str, tuple[int | None, ...]]] = []
    if kind == "Conv2D":
        opts = _conv_common(cfg, where)
        opts["filters"] = _int(cfg.get("filters"), 1, 1 << 16, "filters", where)
        opts["groups"] = _int(cfg.get("groups", 1), 1, opts["filters"], "groups", where)
        kh, kw = opts["kernel_size"]
        weights = [("kernel", (kh, kw, None, opts["filters"]))]
        if opts["use_bias"]:
            weights.append(("bias", (opts["filters"],)))
        keys = {"filters", "kernel_size", "strides", "padding", "dilation_rate", "activation",
                "use_bias", "groups", "data_format"}
    elif kind == "DepthwiseConv2D":
        opts = _conv_common(cfg, where)
        opts["depth_multiplier"] = _int(cfg.get("depth_multiplier", 1), 1, 1024,
                                        "depth_multiplier", where)
        # Keras 2 wrote the ``groups`` of its Conv base class (always 1) into every
        # DepthwiseConv2D config; Keras 3 refuses the argument (Teachable Machine #403).
        _int(cfg.get("groups", 1), 1, 1, "groups", where)
        kh, kw = opts["kernel_size"]
        weights = [("depthwise_kernel", (kh, kw, None, opts["depth_multiplier"]))]
        if opts["use_bias"]:
            weights.append(("bias", (None,)))
        keys = {"kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias",
                "groups", "depth_multiplier", "data_format"}
    elif kind == "Dense":
        opts = {"units": _int(cfg.get("units"), 1, 1 << 20, "units", where),
                "activation": _activation(cfg.get("activation"), where),
                "use_bias": _bool(cfg.get("use_bias", True), "use_bias", where)}
        weights = [("kernel", (None, opts["units"]))]
        if opts["use_bias"]:
            weights.append(("bias", (opts["units"],)))
        keys = {"units", "activation", "use_bias"}
    elif kind == "BatchNormalization":
        axis = cfg.get("axis", -1)
        if isinstance(axis, list) and len(axis) == 1:
            axis = axis[0]
        opts = {"axis": _int(axis, -4, 3, "axis", where),
                "momentum": _float(cfg.get("momentum", 0.99), 0.0, 1.0, "momentum", where),
                "epsilon": _float(cfg.get("epsilon", 1e-3), 1e-12, 1.0, "epsilon", where),
                "center": _bool(cfg.get("center", True), "center", where),
                "scale": _bool(cfg.get("scale", True), "scale", where)}
        if cfg.get("renorm", False) is not False:
            raise _bad(where, "batch renormalisation is not supported")
        if opts["scale"]:
            weights.append(("gamma", (None,)))
        if opts["center"]:
            weights.append(("beta", (None,)))
        weights += [("moving_mean", (None,)), ("moving_variance", (None,))]
        keys = {"axis", "momentum", "epsilon", "center", "scale", "renorm"}
    elif kind == "ReLU":
        max_value = cfg.get("max_value")
        opts = {"max_value": None if max_value is None else
                _float(max_value, 0.0, 1e30, "max_value", where),
                "negative_slope": _float(cfg.get("negative_slope", 0.0), 0.0, 1e6,
                                         "negative_slope", where),
                "threshold": _float(cfg.get("threshold", 0.0), -1e30, 1e30, "threshold", where)}
        keys = {"max_value", "negative_slope", "threshold"}
    elif kind == "LeakyReLU":
        slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        opts = {"negative_slope": _float(slope, 0.0, 1e6, "negative_slope", where)}
        keys = {"negative_slope", "alpha"}
    elif kind == "Activation":
        opts = {"activation": _activation(cfg.get("activation"), where)}
        keys = {"activation"}
    elif kind == "Softmax":
        opts = {"axis": _int(cfg.get("axis", -1), -4, 3, "axis", where)}
        keys = {"axis"}
    elif kind == "ZeroPadding2D":
        pad = cfg.get("padding", 1)
        if isinstance(pad, list) and pad and all(isinstance(p, list) for p in pad):
            if len(pad) != 2:
                raise _bad(where, "padding must have two pairs")
            opts = {"padding": tuple(_ints(p, 2, 0, 1024, "padding", where) for p in pad)}
        else:
            opts = {"padding": _ints(pad, 2, 0, 1024, "padding", where)}
        keys = {"padding", "data_format"}
    elif kind in ("MaxPooling2D", "AveragePooling2D"):
        size = _ints(cfg.get("pool_size", 2), 2, 1, 1024, "pool_size", where)
        strides = cfg.get("strides")
        opts = {"pool_size": size,
                "strides": size if strides is None else
                _ints(strides, 2, 1, 1024, "strides", where),
                "padding": _choice(cfg.get("padding", "valid"), ("valid", "same"), "padding",
                                   where)}
        keys = {"pool_size", "strides", "padding", "data_format"}
    elif kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        opts = {"keepdims": _bool(cfg.get("keepdims", False), "keepdims", where)}
        keys = {"keepdims", "data_format"}
    elif kind == "Flatten":
        opts, keys = {}, {"data_format"}
    elif kind == "Reshape":
        shape = _list(cfg.get("target_shape"), "target_shape", where)
        if not 1 <= len(shape) <= 4:
            raise _bad(where, "target_shape must have 1 to 4 numbers")
        dims = tuple(_int(v, -1, 1 << 24, "target_shape", where) for v in shape)
        if 0 in dims or dims.count(-1) > 1:
            raise _bad(where, f"target_shape {list(dims)} is not a shape")
        opts, keys = {"target_shape": dims}, {"target_shape"}
    elif kind == "Dropout":
        _float(cfg.get("rate", 0.0), 0.0, 1.0, "rate", where)  # nothing at inference
        opts, keys = {}, {"rate"}
    elif kind in ("Add", "Multiply", "Average", "Maximum"):
        opts, keys = {}, set()
    elif kind == "Concatenate":
        opts, keys = {"axis": _int(cfg.get("axis", -1), -4, 3, "axis", where)}, {"axis"}
    else:
        raise _bad(where, f"layer class {kind!r} is not supported (a Teachable Machine image "
                          "model uses MobileNet's layers and Dense layers)"[:300])
    return opts, weights, keys


def _check_options(kind: str, cfg: dict, keys: set[str], where: str) -> None:
    for key in cfg:
        if key in keys or key in _COSMETIC or key.endswith(
                ("_initializer", "_regularizer", "_constraint")):
            continue
        raise _bad(where, f"{kind} option {key!r} is not supported"[:300])
    _check_dtype(cfg.get("dtype"), where)
    if cfg.get("data_format") not in (None, "channels_last"):
        raise _bad(where, f"only channels_last images are supported, got data_format "
                          f"{cfg.get('data_format')!r}"[:300])
